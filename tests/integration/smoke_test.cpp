// Foundation of the integration suite: the real Kafka and MariaDB answer,
// and the helpers read back what was written. Fails (connection errors)
// when either service is absent.

#include "domain/uuid.hpp"

#include <catch2/catch.hpp>

#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// A topic for this suite's own records, created on first use (the broker
/// auto-creates topics, but assign_from_end refuses unknown topics, so the
/// warm-up record comes first). Nothing else reads it.
const std::string scratch_topic = "semiasync-it-scratch";

} // namespace

TEST_CASE("a Kafka record round-trips with key value and headers",
          "[smoke][kafka]") {
  produce({scratch_topic, {"warm-up", "{}", {}}, -1});
  topic_capture capture{scratch_topic};
  auto id = random_uuid();
  kafka::outgoing_record sent{scratch_topic,
                              {run_prefix() + "-key",
                               R"({"hello":"kafka","id":")" + id + "\"}",
                               {{"requestUUID", id},
                                {"eventType", "SmokeTest"},
                                {"empty", ""},
                                {"utf8", "\xC3\xB6\xF0\x9F\xA6\x8A"}}},
                              -1};
  produce(sent);
  auto got = capture.wait_for_request_header(id, 20s);
  INFO("records captured: " << capture.records().size());
  REQUIRE(got);
  CHECK(got->topic == scratch_topic);
  CHECK(got->offset >= 0);
  CHECK(got->message.key == sent.message.key);
  CHECK(got->message.value == sent.message.value);
  REQUIRE(got->message.headers.size() == sent.message.headers.size());
  for (size_t i = 0; i < sent.message.headers.size(); ++i) {
    CHECK(got->message.headers[i].name == sent.message.headers[i].name);
    CHECK(got->message.headers[i].value == sent.message.headers[i].value);
  }
}

TEST_CASE("a users row can be inserted read back and deleted", "[smoke][db]") {
  users_cleanup cleanup;
  stored_user row{user_uuid{random_uuid()}, user_name{unique_name("smoke")},
                  request_id{random_uuid()}};
  REQUIRE_FALSE(find_user(row.name.value));
  insert_user(row);
  auto found = find_user(row.name.value);
  REQUIRE(found);
  CHECK(found->user == row.user);
  CHECK(found->name == row.name);
  CHECK(found->request == row.request);
  CHECK(count_users_named(row.name.value) == 1);
  CHECK(delete_users_with_prefix(run_prefix()) == 1);
  CHECK_FALSE(find_user(row.name.value));
}
