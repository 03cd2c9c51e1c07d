// A mixed deployment: the Go reference server in front of our worker. The
// reference publishes requests with the value and the requestUUID header
// only, no key; our worker must serve them like its own.

#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/pipeline.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// A request as the reference server sends it: Go's json.Marshal of
/// {RequestUUID, Name} (field order as declared), one header, no key.
kafka::outgoing_record reference_request(const std::string& id,
                                         const std::string& name) {
  auto value = R"({"requestUUID":)" + json(id).dump() + R"(,"name":)"
               + json(name).dump() + "}";
  return {"create_user_request_sent", {"", value, {{"requestUUID", id}}}, -1};
}

} // namespace

TEST_CASE("our worker serves a reference-style request without a key",
          "[mixed]") {
  auto& stack = pipeline::shared();
  topic_capture outcomes{"user"};
  auto id = random_uuid();
  auto name = unique_name("go-ref");
  auto request = reference_request(id, name);
  REQUIRE(request.message.key.empty());
  produce(request);

  auto out = outcomes.wait_for_request_header(id, 30s);
  INFO(stack.log_tails());
  REQUIRE(out);
  CHECK(out->message.header_value("eventType") == "UserCreated");
  auto value = json::parse(out->message.value, nullptr, false);
  REQUIRE(value.is_object());
  CHECK(value.value("requestUUID", json{}) == id);
  CHECK(value.value("name", json{}) == name);
  auto user = value.value("userUUID", std::string{});
  CHECK(is_canonical_uuid(user));

  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->request.value == id);
  CHECK(row->user.value == user);

  // At-least-once: a redelivery re-publishes the same outcome (with the
  // stored userUUID) and never adds a row.
  {
    produce(request);
    auto again = outcomes.wait_for(
      [&](const kafka::record& rec) {
        auto hdr = rec.message.header_value("requestUUID");
        return hdr && *hdr == id
               && (rec.partition != out->partition
                   || rec.offset != out->offset);
      },
      30s);
    REQUIRE(again);
    CHECK(again->message.header_value("eventType") == "UserCreated");
    auto repeated = json::parse(again->message.value, nullptr, false);
    REQUIRE(repeated.is_object());
    CHECK(repeated.value("userUUID", std::string{}) == user);
    CHECK(count_users_named(name) == 1);
  }
}
