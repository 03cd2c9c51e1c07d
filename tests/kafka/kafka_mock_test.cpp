// Exercises the Kafka adapters against librdkafka's in-process mock cluster:
// real protocol over loopback on ephemeral ports, no external broker.

#include "domain/error.hpp"
#include "kafka/client_config.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <librdkafka/rdkafkacpp.h> // completes make_conf's RdKafka::Conf
#include <memory>
#include <thread>

#include "tests/support/mock_cluster.hpp"

using namespace std::chrono_literals;
using semiasync::error_code;
using semiasync::kafka::consumer;
using semiasync::kafka::outgoing_record;
using semiasync::kafka::producer;
using semiasync::kafka::record;
using semiasync::kafka::record_position;
using semiasync::testing::mock_cluster;

namespace {

// Generous for 2 noisy cores: the mock coordinator alone delays a group's
// first join by about 3 s.
constexpr auto patience = 30s;

outgoing_record make_record(std::string topic, std::string key,
                            std::string value, int32_t partition = -1) {
  outgoing_record rec;
  rec.topic = std::move(topic);
  rec.message.key = std::move(key);
  rec.message.value = value;
  rec.message.headers
    = {{"eventType", "UserCreated"}, {"requestUUID", "req-" + value}};
  rec.partition = partition;
  return rec;
}

std::unique_ptr<producer> make_producer(const std::string& brokers,
                                        std::chrono::milliseconds timeout
                                        = 10s) {
  auto result = producer::make(brokers, timeout);
  REQUIRE(result);
  return std::move(*result);
}

/// Publishes every record and serves reports until each got its verdict.
std::vector<caf::error> publish_all(producer& prod,
                                    std::vector<outgoing_record> records) {
  auto verdicts = std::make_shared<std::vector<caf::error>>();
  for (auto& rec : records)
    REQUIRE(!prod.publish(std::move(rec), [verdicts](const caf::error& err,
                                              const record_position&) {
      verdicts->push_back(err);
    }));
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (verdicts->size() < records.size()
         && std::chrono::steady_clock::now() < deadline)
    prod.serve_delivery_reports(100ms);
  return *verdicts;
}

std::vector<record> poll_until(consumer& src, size_t count) {
  std::vector<record> result;
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (result.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto batch = src.poll(count - result.size(), 100ms);
    if (batch) result.insert(result.end(), batch->begin(), batch->end());
  }
  return result;
}

// After the last member leaves, the mock coordinator holds the next join for
// session.timeout.ms - 1 s (librdkafka 2.0.2 default session: 45 s).
const semiasync::kafka::properties quick_group{{"session.timeout.ms", "6000"}};

bool all_ok(const std::vector<caf::error>& verdicts) {
  for (const auto& err : verdicts)
    if (err) {
      UNSCOPED_INFO(caf::to_string(err));
      return false;
    }
  return true;
}

} // namespace

TEST_CASE("client configuration names a bad property", "[kafka]") {
  auto conf = semiasync::kafka::make_conf({{"acks", "all"}},
                                          {{"no.such.property", "1"}});
  REQUIRE(!conf);
  CHECK(semiasync::code_of(conf.error()) == error_code::invalid_setting);
  CHECK_THAT(semiasync::detail_of(conf.error()),
             Catch::Contains("no.such.property"));
  auto prod = producer::make("127.0.0.1:1", 1s, {{"linger.ms", "banana"}});
  REQUIRE(!prod);
  CHECK_THAT(semiasync::detail_of(prod.error()), Catch::Contains("linger.ms"));
}

TEST_CASE("client configuration lets overrides win", "[kafka]") {
  // acks=1 contradicts our idempotence default, so librdkafka rejects the
  // producer unless the override for idempotence wins as well.
  auto rejected = producer::make("127.0.0.1:1", 1s, {{"acks", "1"}});
  CHECK(!rejected);
  auto accepted = producer::make(
    "127.0.0.1:1", 1s, {{"acks", "1"}, {"enable.idempotence", "false"}});
  CHECK(accepted);
}

TEST_CASE("producer delivers every record and reports each once", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 3);
  auto prod = make_producer(cluster.bootstraps());
  CHECK(prod->broker_reachable(5s));
  std::vector<outgoing_record> records;
  for (int i = 0; i < 10; ++i)
    records.push_back(
      make_record("t", "name" + std::to_string(i), std::to_string(i)));
  auto verdicts = publish_all(*prod, std::move(records));
  CHECK(verdicts.size() == 10);
  CHECK(all_ok(verdicts));
  CHECK(!prod->flush(5s));
}

TEST_CASE("producer polling thread serves delivery reports", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 1);
  auto prod = make_producer(cluster.bootstraps());
  prod->start_polling_thread();
  auto verdict = std::make_shared<std::promise<caf::error>>();
  auto result = verdict->get_future();
  REQUIRE(!prod->publish(make_record("t", "k", "v"),
                         [verdict](const caf::error& err,
                                   const record_position&) {
                           verdict->set_value(err);
                         }));
  // No serve_delivery_reports here: only the thread can answer.
  REQUIRE(result.wait_for(patience) == std::future_status::ready);
  CHECK(!result.get());
}

TEST_CASE("a leaderless partition fails delivery within the timeout",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 3);
  REQUIRE(rd_kafka_mock_partition_set_leader(cluster.get(), "t", 0, -1)
          == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto delivery_timeout = 1500ms;
  auto prod = make_producer(cluster.bootstraps(), delivery_timeout);
  auto start = std::chrono::steady_clock::now();
  auto verdicts = publish_all(*prod, {make_record("t", "k", "lost", 0),
                                      make_record("t", "k", "kept", 1)});
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(verdicts.size() == 2);
  // Reports arrive in completion order: the healthy partition first.
  CHECK(!verdicts[0]);
  CHECK(semiasync::code_of(verdicts[1]) == error_code::publish_failed);
  INFO(caf::to_string(verdicts[1]));
  CHECK_THAT(semiasync::detail_of(verdicts[1]), Catch::Contains("timed out"));
  // librdkafka scans for timeouts once a second.
  CHECK(elapsed < delivery_timeout + 3s);
}

TEST_CASE("producer destruction fails undelivered records once", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 1);
  REQUIRE(rd_kafka_mock_partition_set_leader(cluster.get(), "t", 0, -1)
          == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto prod = make_producer(cluster.bootstraps(), 60s);
  std::vector<caf::error> verdicts;
  REQUIRE(!prod->publish(make_record("t", "k", "v"),
                         [&verdicts](const caf::error& err,
                                     const record_position&) {
                           verdicts.push_back(err);
                         }));
  prod.reset(); // waits producer::shutdown_grace, then purges
  REQUIRE(verdicts.size() == 1);
  CHECK(semiasync::code_of(verdicts[0]) == error_code::publish_failed);
}

TEST_CASE("a delivery report names where the record landed", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 2);
  auto prod = make_producer(cluster.bootstraps());
  auto where = std::make_shared<std::vector<record_position>>();
  for (int i = 0; i < 3; ++i)
    REQUIRE(!prod->publish(make_record("t", "k", "v", 1),
                           [where](const caf::error& err,
                                   const record_position& at) {
                             CHECK(!err);
                             where->push_back(at);
                           }));
  REQUIRE(!prod->flush(patience));
  REQUIRE(where->size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(where->at(i).partition == 1);
    CHECK(where->at(i).offset == static_cast<int64_t>(i));
    CHECK(where->at(i).timestamp_ms > 0);
  }
}

TEST_CASE("publish rejects what librdkafka refuses at once", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 1);
  auto prod = make_producer(cluster.bootstraps());
  // One delivery makes the topic's partition count known locally.
  REQUIRE(all_ok(publish_all(*prod, {make_record("t", "k", "v")})));
  bool called = false;
  auto err = prod->publish(make_record("t", "k", "v", 7),
                           [&called](const caf::error&,
                                      const record_position&) {
                             called = true;
                           });
  REQUIRE(err);
  CHECK(semiasync::code_of(err) == error_code::publish_failed);
  CHECK(!prod->flush(5s));
  CHECK(!called);
}

TEST_CASE("assign_from_end reads only what comes after it", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 3);
  auto prod = make_producer(cluster.bootstraps());
  std::vector<outgoing_record> old_records;
  for (int32_t p = 0; p < 3; ++p)
    old_records.push_back(
      make_record("user", "", "old" + std::to_string(p), p));
  REQUIRE(all_ok(publish_all(*prod, std::move(old_records))));
  auto src
    = consumer::assign_from_end(cluster.bootstraps(), "outcomes", "user", 10s);
  REQUIRE(src);
  CHECK((*src)->assigned());
  std::vector<outgoing_record> new_records;
  for (int32_t p = 0; p < 3; ++p)
    new_records.push_back(
      make_record("user", "", "new" + std::to_string(p), p));
  REQUIRE(all_ok(publish_all(*prod, std::move(new_records))));
  auto got = poll_until(**src, 3);
  REQUIRE(got.size() == 3);
  for (const auto& rec : got) {
    CHECK(rec.message.value == "new" + std::to_string(rec.partition));
    CHECK(rec.offset == 1);
  }
  // Nothing old shows up later either.
  auto more = (*src)->poll(10, 200ms);
  REQUIRE(more);
  CHECK(more->empty());
}

TEST_CASE("assign_from_end fails for a missing topic or a dead broker",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 1);
  SECTION("missing topic") {
    auto src
      = consumer::assign_from_end(cluster.bootstraps(), "g", "absent", 5s);
    REQUIRE(!src);
    CHECK(semiasync::code_of(src.error()) == error_code::broker_unavailable);
    CHECK_THAT(semiasync::detail_of(src.error()), Catch::Contains("absent"));
  }
  SECTION("broker down") {
    REQUIRE(rd_kafka_mock_broker_set_down(cluster.get(), -1)
            == RD_KAFKA_RESP_ERR_NO_ERROR);
    auto src = consumer::assign_from_end(cluster.bootstraps(), "g", "user", 1s);
    REQUIRE(!src);
    CHECK(semiasync::code_of(src.error()) == error_code::broker_unavailable);
  }
}

TEST_CASE("a group consumer reads records and resumes after its commit",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("requests", 3);
  auto prod = make_producer(cluster.bootstraps());
  std::vector<outgoing_record> records;
  for (int i = 0; i < 4; ++i)
    records.push_back(make_record("requests", "alice", std::to_string(i), 0));
  records.push_back(make_record("requests", "", "keyless", 1));
  REQUIRE(all_ok(publish_all(*prod, std::move(records))));
  {
    auto src = consumer::subscribe(cluster.bootstraps(), "workers",
                                   {"requests"}, quick_group);
    REQUIRE(src);
    auto got = poll_until(**src, 5);
    REQUIRE(got.size() == 5);
    CHECK((*src)->assigned());
    std::vector<record> first_partition;
    for (auto& rec : got) {
      CHECK(rec.topic == "requests");
      if (rec.partition == 0)
        first_partition.push_back(rec);
      else
        CHECK(rec.message.key.empty()); // a null key reads as empty
    }
    REQUIRE(first_partition.size() == 4);
    for (int i = 0; i < 4; ++i) {
      const auto& msg = first_partition[i].message;
      CHECK(first_partition[i].offset == i);
      CHECK(msg.key == "alice");
      CHECK(msg.value == std::to_string(i));
      REQUIRE(msg.headers.size() == 2);
      CHECK(msg.header_value("eventType") == "UserCreated");
      CHECK(msg.header_value("requestUUID") == "req-" + std::to_string(i));
    }
    CHECK(!(*src)->mark_done("requests", 0, 1));
    CHECK(!(*src)->commit_now());
  }
  auto next = consumer::subscribe(cluster.bootstraps(), "workers", {"requests"},
                                  quick_group);
  REQUIRE(next);
  auto got = poll_until(**next, 3);
  // Partition 0 resumes after the commit; partition 1 had none and restarts.
  REQUIRE(got.size() == 3);
  std::vector<int64_t> first_partition_offsets;
  for (auto& rec : got)
    if (rec.partition == 0) first_partition_offsets.push_back(rec.offset);
  CHECK(first_partition_offsets == std::vector<int64_t>{2, 3});
  CHECK((*next)->assigned());
}

TEST_CASE("mark_done on a partition not owned is harmless", "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 1);
  auto src = consumer::assign_from_end(cluster.bootstraps(), "g", "user", 10s);
  REQUIRE(src);
  CHECK(!(*src)->mark_done("user", 5, 10));
  CHECK(!(*src)->mark_done("user", 0, 0));
}

TEST_CASE("a rebalance revokes partitions and tells the handler", "[kafka]") {
  auto [strategy, expected_revocations]
    = GENERATE(std::make_pair(std::string{"range"}, size_t{4}),
               std::make_pair(std::string{"cooperative-sticky"}, size_t{2}));
  INFO("partition.assignment.strategy=" << strategy);
  mock_cluster cluster;
  cluster.create_topic("requests", 4);
  semiasync::kafka::properties settings{
    {"partition.assignment.strategy", strategy},
    {"session.timeout.ms", "3000"},
    {"heartbeat.interval.ms", "500"}};
  auto first = consumer::subscribe(cluster.bootstraps(), "workers",
                                   {"requests"}, settings);
  REQUIRE(first);
  std::vector<std::pair<std::string, int32_t>> revoked;
  (*first)->on_revoked([&revoked](const std::string& topic, int32_t partition) {
    revoked.emplace_back(topic, partition);
  });
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!(*first)->assigned() && std::chrono::steady_clock::now() < deadline)
    REQUIRE((*first)->poll(10, 100ms));
  REQUIRE((*first)->assigned());
  CHECK(revoked.empty());
  auto second = consumer::subscribe(cluster.bootstraps(), "workers",
                                    {"requests"}, settings);
  REQUIRE(second);
  // Both members must keep polling: the rebalance runs inside poll().
  while (!((*second)->assigned() && !revoked.empty() && (*first)->assigned())
         && std::chrono::steady_clock::now() < deadline) {
    (*first)->poll(10, 50ms);
    (*second)->poll(10, 50ms);
  }
  CHECK((*first)->assigned());
  CHECK((*second)->assigned());
  // At least the first rebalance's revocations; on a loaded machine a slow
  // heartbeat can add another rebalance, which revokes again.
  CHECK(revoked.size() >= expected_revocations);
  for (const auto& [topic, partition] : revoked)
    CHECK(topic == "requests");
}

TEST_CASE("lag counts what the owned partitions hold beyond the position",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 2);
  auto src = consumer::assign_from_end(cluster.bootstraps(), "g", "user", 10s);
  REQUIRE(src);
  // Nothing read yet: no position, so nothing to count.
  CHECK((*src)->lag() == 0);
  auto prod = make_producer(cluster.bootstraps());
  std::vector<outgoing_record> records;
  for (int i = 0; i < 4; ++i)
    records.push_back(make_record("user", "", std::to_string(i), 0));
  REQUIRE(all_ok(publish_all(*prod, std::move(records))));
  REQUIRE(poll_until(**src, 1).size() == 1);
  // The high watermark is cached from fetch responses, which may trail the
  // produce by one fetch: wait for it to settle on 4.
  auto lag_settles_at = [&](int64_t expected) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    while ((*src)->lag() != expected
           && std::chrono::steady_clock::now() < deadline) {
      // librdkafka fetches in the background: nothing here needs to poll.
      std::this_thread::sleep_for(50ms);
    }
    return (*src)->lag();
  };
  CHECK(lag_settles_at(3) == 3);
  // Another thread reads while this one polls, as a scrape does.
  std::atomic<bool> done{false};
  // Catch2 assertions are not thread-safe: the reader only counts.
  auto reader = std::async(std::launch::async, [&] {
    std::pair<int64_t, int64_t> reads_and_negatives{0, 0};
    do {
      ++reads_and_negatives.first;
      if ((*src)->lag() < 0) ++reads_and_negatives.second;
    } while (!done);
    return reads_and_negatives;
  });
  REQUIRE(poll_until(**src, 3).size() == 3);
  done = true;
  auto [reads, negatives] = reader.get();
  CHECK(reads > 0);
  CHECK(negatives == 0);
  CHECK(lag_settles_at(0) == 0);
}

// -- reading chosen partitions (steered reply routing) ------------------------

TEST_CASE("assign_chosen_from_end reads only the chosen partitions, from "
          "their end",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 4);
  auto prod = make_producer(cluster.bootstraps());
  REQUIRE(all_ok(publish_all(*prod, {make_record("user", "", "old", 1)})));
  int32_t seen_count = 0;
  auto src = consumer::assign_chosen_from_end(
    cluster.bootstraps(), "steered", "user",
    [&](int32_t count) -> caf::expected<std::vector<int32_t>> {
      seen_count = count;
      return std::vector<int32_t>{1, 3};
    },
    10s);
  REQUIRE(src);
  CHECK(seen_count == 4);
  CHECK((*src)->assigned());
  CHECK((*src)->owned_partitions("user") == std::vector<int32_t>{1, 3});
  std::vector<outgoing_record> fresh;
  for (int32_t p = 0; p < 4; ++p)
    fresh.push_back(make_record("user", "", "new" + std::to_string(p), p));
  REQUIRE(all_ok(publish_all(*prod, std::move(fresh))));
  auto got = poll_until(**src, 2);
  REQUIRE(got.size() == 2);
  for (const auto& rec : got) {
    CHECK((rec.partition == 1 || rec.partition == 3));
    CHECK(rec.message.value == "new" + std::to_string(rec.partition));
  }
  auto more = (*src)->poll(10, 200ms);
  REQUIRE(more);
  CHECK(more->empty());
  // A reader of chosen partitions never takes up others.
  auto added = (*src)->extend_assignment(1s);
  REQUIRE(added);
  CHECK(added->empty());
}

TEST_CASE("assign_chosen_from_end refuses partitions the topic lacks, an "
          "empty choice, and passes the chooser's error on",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 2);
  auto pick = [](std::vector<int32_t> parts) {
    return [parts](int32_t) -> caf::expected<std::vector<int32_t>> {
      return parts;
    };
  };
  CHECK_FALSE(consumer::assign_chosen_from_end(cluster.bootstraps(), "g",
                                               "user", pick({2}), 5s));
  CHECK_FALSE(consumer::assign_chosen_from_end(cluster.bootstraps(), "g",
                                               "user", pick({}), 5s));
  auto refused = consumer::assign_chosen_from_end(
    cluster.bootstraps(), "g", "user",
    [](int32_t) -> caf::expected<std::vector<int32_t>> {
      return semiasync::make_error(error_code::invalid_setting,
                                   "chooser says no");
    },
    5s);
  REQUIRE_FALSE(refused);
  CHECK(semiasync::detail_of(refused.error()) == "chooser says no");
}

TEST_CASE("a reader of every partition finds no new ones on an unchanged "
          "topic",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 3);
  auto src = consumer::assign_from_end(cluster.bootstraps(), "g", "user", 10s);
  REQUIRE(src);
  CHECK((*src)->owned_partitions("user") == std::vector<int32_t>{0, 1, 2});
  auto added = (*src)->extend_assignment(5s);
  REQUIRE(added);
  CHECK(added->empty());
}

TEST_CASE("the producer tells a topic's partition count from its cache",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("user", 5);
  auto prod = make_producer(cluster.bootstraps());
  auto count = prod->partition_count("user", 30s);
  REQUIRE(count);
  CHECK(*count == 5);
  // Cached: asking again within the age gives the same without waiting.
  auto again = prod->partition_count("user", 30s);
  REQUIRE(again);
  CHECK(*again == 5);
}

// -- fatal errors -------------------------------------------------------------

namespace {

/// Kafka's API key of InitProducerId (the mock header has no names for them).
constexpr int16_t init_producer_id_api = 22;

/// Has the cluster refuse the next producer its idempotence ID: librdkafka
/// treats that refusal as fatal, as it would an out-of-order sequence.
void refuse_producer_id(mock_cluster& cluster) {
  rd_kafka_mock_push_request_errors(
    cluster.get(), init_producer_id_api, 1,
    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED);
}

} // namespace

TEST_CASE("a fatal producer error is kept, told once, and fails every later "
          "publish at once",
          "[kafka]") {
  mock_cluster cluster;
  cluster.create_topic("t", 1);
  refuse_producer_id(cluster);
  auto prod = make_producer(cluster.bootstraps());
  auto told = std::make_shared<std::vector<caf::error>>();
  prod->on_fatal([told](const caf::error& err) {
    told->push_back(err);
  });
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (told->empty() && std::chrono::steady_clock::now() < deadline)
    prod->serve_delivery_reports(100ms);
  REQUIRE(told->size() == 1);
  auto fatal = prod->fatal_error();
  REQUIRE(fatal);
  CHECK(semiasync::code_of(fatal) == error_code::publish_failed);
  CHECK_THAT(semiasync::detail_of(fatal),
             Catch::Contains("CLUSTER_AUTHORIZATION_FAILED")
               && Catch::Contains("Cluster authorization failed"));
  CHECK(semiasync::detail_of(told->front()) == semiasync::detail_of(fatal));

  auto reported = std::make_shared<bool>(false);
  auto refused = prod->publish(make_record("t", "k", "late"),
                               [reported](const caf::error&,
                                         const record_position&) {
                                 *reported = true;
                               });
  CHECK(semiasync::code_of(refused) == error_code::publish_failed);
  CHECK(semiasync::detail_of(refused) == semiasync::detail_of(fatal));
  prod->serve_delivery_reports(100ms);
  CHECK_FALSE(*reported);
  // Told once only, however long it is polled.
  CHECK(told->size() == 1);

  // Whoever asks after the fact hears of it at once.
  std::vector<caf::error> late;
  prod->on_fatal([&late](const caf::error& err) {
    late.push_back(err);
  });
  REQUIRE(late.size() == 1);
  CHECK(semiasync::detail_of(late.front()) == semiasync::detail_of(fatal));
}

TEST_CASE("the polling thread tells a fatal producer error without any "
          "publish",
          "[kafka]") {
  mock_cluster cluster;
  refuse_producer_id(cluster);
  auto prod = make_producer(cluster.bootstraps());
  auto told = std::make_shared<std::promise<caf::error>>();
  auto result = told->get_future();
  prod->on_fatal([told](const caf::error& err) {
    told->set_value(err);
  });
  prod->start_polling_thread();
  REQUIRE(result.wait_for(patience) == std::future_status::ready);
  CHECK_THAT(semiasync::detail_of(result.get()),
             Catch::Contains("Cluster authorization failed"));
}
