// The `semiasync-deposits` binary against the real stack: records as the
// gateway's deposit route publishes them (kafka/route_codec) go in on a
// request topic of this run, outcomes come out on its outcome topic and the
// balance lands in MariaDB. Settings: tests/integration/stack.hpp; the
// example's tables: deposit_tables.hpp.

#include "kafka/route_codec.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "examples/deposits/mysql_deposit_repository.hpp"
#include "tests/examples/deposits/deposit_tables.hpp"
#include "tests/examples/deposits/deposits_gateway.hpp"
#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("semiasync-deposits decides a route's deposits on the real stack") {
  deposit_tables tables;
  auto prefix = run_prefix() + "-deposits";
  auto requests = prefix + "-deposit_requested";
  auto outcomes = prefix + "-deposit_outcomes";
  for (auto& topic : {requests, outcomes, requests + ".dlq"})
    create_topic(topic, 2);
  wait_until_readable(outcomes);
  topic_capture captured{outcomes};
  topic_capture dead{requests + ".dlq"};
  auto worker = start_deposits_worker(prefix, "worker");
  auto account = tables.account("bin");
  // Publishes request `id` as the route would, returns its outcome.
  auto ask = [&](const std::string& id, json body) {
    body["accountId"] = account;
    produce({requests, encode_route_request(config::reply_protocol::semiasync,
                                            request_id{id}, account,
                                            body.dump(), outcomes)});
    auto rec = captured.wait_for_request_header(id, 30s);
    if (!rec) FAIL("no outcome for " << id << ": " << worker->log_tail());
    auto reply = decode_route_reply(config::reply_protocol::semiasync,
                                    rec->message, "eventType");
    REQUIRE(reply);
    return std::make_pair(reply->event_type, json::parse(reply->value));
  };
  auto first = random_uuid();
  auto accepted = ask(first, {{"depositId", "d-1"}, {"amount", 1200}});
  CHECK(accepted.first == "DepositAccepted");
  CHECK(accepted.second["balance"] == 1200);
  CHECK(ask(random_uuid(), {{"depositId", "d-1"}, {"amount", 1200}}).first
        == "DepositDuplicated");
  auto refused = ask(random_uuid(), {{"depositId", "d-2"}, {"amount", -5000}});
  CHECK(refused.first == "DepositRefused");
  CHECK(refused.second["balance"] == 1200);
  auto bad = random_uuid();
  auto rejected = ask(bad, {{"depositId", "d-3"}, {"amount", 0}});
  CHECK(rejected.first == "DepositRejected");
  CHECK(dead.wait_for_request_header(bad, 30s));
  CHECK(tables.balance(account) == 1200);
  worker->terminate();
  CHECK(worker->describe_status() == "exit code 0");
  for (auto& topic : {requests, outcomes, requests + ".dlq"})
    delete_topic(topic);
}

TEST_CASE("tracing: semiasync-deposits exports as semiasync-deposits unless "
          "OTEL_SERVICE_NAME names another service") {
  auto prefix = run_prefix() + "-deposits-traced";
  auto requests = prefix + "-deposit_requested";
  create_topic(requests, 1);
  wait_until_readable(requests);
  // Nobody listens on the discard port: the process only has to say whom it
  // exports as (its start-up line), not to export.
  std::string service;
  std::string expected;
  SECTION("by default") {
    expected = "semiasync-deposits";
  }
  SECTION("named by OTEL_SERVICE_NAME") {
    service = "it-deposits-named";
    expected = service;
  }
  auto worker = start_deposits_worker(
    prefix, "traced",
    {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"},
     {"OTEL_SERVICE_NAME", service}});
  INFO(worker->log_tail());
  CHECK(worker->log_text().find("exporting traces to http://127.0.0.1:9/"
                                "v1/traces (http/protobuf) as "
                                + expected + ", ")
        != std::string::npos);
  worker->terminate();
  CHECK(worker->describe_status() == "exit code 0");
  delete_topic(requests);
}
