// What semiasync puts on the real topics, checked against the wire contract
// (shared/contract.md, "Kafka"): the Go reference's processes read these
// records in a mixed deployment.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string request_topic = "create_user_request_sent";
const std::string outcome_topic = "user";

/// Records a request's outcome or request arrive within this.
constexpr auto record_timeout = 15s;

json json_value(const kafka::record& rec) {
  INFO("value: " << rec.message.value);
  auto doc = json::parse(rec.message.value, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  REQUIRE(doc.is_object());
  return doc;
}

size_t count_headers(const kafka::record& rec, const std::string& name) {
  size_t result = 0;
  for (auto& h : rec.message.headers)
    result += h.name == name ? 1 : 0;
  return result;
}

/// The request record for `id`: value exactly {requestUUID, name}, header
/// requestUUID, key = the name.
kafka::record check_request_record(topic_capture& capture,
                                   const std::string& id,
                                   const std::string& name) {
  auto rec = capture.wait_for_request_header(id, record_timeout);
  INFO("captured " << capture.records().size() << " request records");
  REQUIRE(rec);
  CHECK(rec->message.key == name);
  CHECK(count_headers(*rec, "requestUUID") == 1);
  auto value = json_value(*rec);
  CHECK(value.size() == 2);
  CHECK(value.value("requestUUID", json{}) == id);
  CHECK(value.value("name", json{}) == name);
  CHECK(is_canonical_uuid(id));
  return *rec;
}

} // namespace

TEST_CASE("a request and its UserCreated outcome follow the wire contract",
          "[wire]") {
  auto& stack = pipeline::shared();
  // Both readers sit at the topics' ends before the POST, so they see it.
  topic_capture requests{request_topic};
  topic_capture outcomes{outcome_topic};
  auto name = unique_name("wire");
  auto resp = stack.create_user(name);
  auto uuid = check_created(resp, name);
  auto id = request_id_of(resp);

  check_request_record(requests, id, name);

  auto out = outcomes.wait_for_request_header(id, record_timeout);
  INFO("captured " << outcomes.records().size() << " outcome records");
  REQUIRE(out);
  CHECK(out->message.header_value("eventType") == "UserCreated");
  CHECK(count_headers(*out, "requestUUID") == 1);
  auto value = json_value(*out);
  CHECK(value.value("requestUUID", json{}) == id);
  CHECK(value.value("userUUID", json{}) == uuid);
  CHECK(value.value("name", json{}) == name);
}

TEST_CASE("a duplicate yields UserDuplicated without userUUID on the same "
          "partition",
          "[wire]") {
  auto& stack = pipeline::shared();
  topic_capture requests{request_topic};
  topic_capture outcomes{outcome_topic};
  auto name = unique_name("wire-dup");
  auto first = stack.create_user(name);
  check_created(first, name);
  auto second = stack.create_user(name);
  check_problem(second, 409);
  auto id = request_id_of(second);

  auto first_request
    = check_request_record(requests, request_id_of(first), name);
  auto second_request = check_request_record(requests, id, name);
  // Keyed by name: both requests for one name share a partition, so one
  // worker sees them in order.
  CHECK(first_request.partition == second_request.partition);

  auto out = outcomes.wait_for_request_header(id, record_timeout);
  INFO("captured " << outcomes.records().size() << " outcome records");
  REQUIRE(out);
  CHECK(out->message.header_value("eventType") == "UserDuplicated");
  auto value = json_value(*out);
  CHECK(value.value("requestUUID", json{}) == id);
  CHECK(value.value("name", json{}) == name);
  CHECK_FALSE(value.contains("userUUID"));
}
