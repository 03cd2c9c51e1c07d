#include "kafka/offset_tracker.hpp"

#include <catch2/catch.hpp>

using semiasync::kafka::offset_tracker;

namespace {

const std::string topic = "t";

} // namespace

TEST_CASE("offset_tracker advances in order", "[offset_tracker]") {
  offset_tracker tracker;
  tracker.started(topic, 0, 10);
  tracker.started(topic, 0, 11);
  CHECK(tracker.in_flight() == 2);
  CHECK(tracker.finished(topic, 0, 10) == 10);
  CHECK(tracker.in_flight() == 1);
  CHECK(tracker.finished(topic, 0, 11) == 11);
  CHECK(tracker.in_flight() == 0);
}

TEST_CASE("offset_tracker holds back out-of-order acks", "[offset_tracker]") {
  offset_tracker tracker;
  for (int64_t offset : {5, 6, 7, 8})
    tracker.started(topic, 0, offset);
  SECTION("a later ack waits for the oldest") {
    CHECK(tracker.finished(topic, 0, 7) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 6) == std::nullopt);
    CHECK(tracker.in_flight() == 2);
    CHECK(tracker.finished(topic, 0, 5) == 7);
    CHECK(tracker.finished(topic, 0, 8) == 8);
  }
  SECTION("reverse order releases everything at once") {
    CHECK(tracker.finished(topic, 0, 8) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 7) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 6) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 5) == 8);
    CHECK(tracker.in_flight() == 0);
  }
  SECTION("records started later do not block an earlier prefix") {
    CHECK(tracker.finished(topic, 0, 5) == 5);
    tracker.started(topic, 0, 9);
    CHECK(tracker.finished(topic, 0, 6) == 6);
    CHECK(tracker.finished(topic, 0, 9) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 8) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 7) == 9);
  }
}

TEST_CASE("offset_tracker accepts gaps between offsets", "[offset_tracker]") {
  offset_tracker tracker;
  tracker.started(topic, 0, 100);
  tracker.started(topic, 0, 250);
  tracker.started(topic, 0, 251);
  tracker.started(topic, 0, 1000);
  CHECK(tracker.finished(topic, 0, 251) == std::nullopt);
  CHECK(tracker.finished(topic, 0, 100) == 100);
  CHECK(tracker.finished(topic, 0, 250) == 251);
  CHECK(tracker.finished(topic, 0, 1000) == 1000);
}

TEST_CASE("offset_tracker keeps partitions and topics apart",
          "[offset_tracker]") {
  offset_tracker tracker;
  tracker.started(topic, 0, 1);
  tracker.started(topic, 1, 1);
  tracker.started("other", 0, 1);
  tracker.started(topic, 0, 2);
  CHECK(tracker.in_flight() == 4);
  CHECK(tracker.finished(topic, 0, 2) == std::nullopt);
  CHECK(tracker.finished(topic, 1, 1) == 1);
  CHECK(tracker.finished("other", 0, 1) == 1);
  CHECK(tracker.finished(topic, 0, 1) == 2);
  CHECK(tracker.in_flight() == 0);
}

TEST_CASE("offset_tracker ignores unknown and repeated acks",
          "[offset_tracker]") {
  offset_tracker tracker;
  CHECK(tracker.finished(topic, 0, 3) == std::nullopt);
  tracker.started(topic, 0, 3);
  tracker.started(topic, 0, 4);
  CHECK(tracker.finished(topic, 0, 99) == std::nullopt);
  CHECK(tracker.finished(topic, 0, 4) == std::nullopt);
  CHECK(tracker.finished(topic, 0, 4) == std::nullopt);
  CHECK(tracker.in_flight() == 1);
  CHECK(tracker.finished(topic, 0, 3) == 4);
  CHECK(tracker.finished(topic, 0, 3) == std::nullopt);
  CHECK(tracker.in_flight() == 0);
}

TEST_CASE("offset_tracker counts a redelivered pending offset once",
          "[offset_tracker]") {
  offset_tracker tracker;
  tracker.started(topic, 0, 7);
  tracker.started(topic, 0, 7);
  CHECK(tracker.in_flight() == 1);
  CHECK(tracker.finished(topic, 0, 7) == 7);
  CHECK(tracker.in_flight() == 0);
}

TEST_CASE("offset_tracker forgets revoked partitions", "[offset_tracker]") {
  offset_tracker tracker;
  tracker.started(topic, 0, 1);
  tracker.started(topic, 0, 2);
  tracker.started(topic, 0, 3);
  tracker.started(topic, 1, 1);
  CHECK(tracker.finished(topic, 0, 2) == std::nullopt);
  tracker.forget_partition(topic, 0);
  CHECK(tracker.in_flight() == 1);
  SECTION("late acks of a forgotten partition are ignored") {
    CHECK(tracker.finished(topic, 0, 1) == std::nullopt);
    CHECK(tracker.finished(topic, 0, 3) == std::nullopt);
    CHECK(tracker.in_flight() == 1);
  }
  SECTION("a reassigned partition starts afresh") {
    tracker.started(topic, 0, 1);
    CHECK(tracker.finished(topic, 0, 1) == 1);
  }
  SECTION("other partitions are untouched") {
    CHECK(tracker.finished(topic, 1, 1) == 1);
    CHECK(tracker.in_flight() == 0);
  }
  SECTION("forgetting an unknown partition is harmless") {
    tracker.forget_partition("nope", 9);
    CHECK(tracker.in_flight() == 1);
  }
}
