#include "config/route_yaml.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace semiasync::config;

namespace {

const char* deposit_route = R"(
- name: deposit
  method: POST
  path: /accounts/{accountId}/deposits
  requestTopic: deposit_requested
  outcomeTopic: deposit_outcomes
  key: path:accountId
  maxBodyBytes: 4096
  requiredFields: [amount]
  replyProtocol: spring
  replyTimeoutMs: 3000
  outcomes:
    DepositAccepted: {status: 201, body: [depositId, balance],
                      location: "/accounts/{accountId}/deposits/{depositId}"}
    DepositRefused: {status: 422}
)";

/// The routes of `yaml`; fails the test when they are refused.
std::vector<route_spec> routes_of(const std::string& yaml) {
  auto result = parse_routes(YAML::Load(yaml));
  if (auto why = std::get_if<std::string>(&result)) FAIL(*why);
  return std::get<std::vector<route_spec>>(result);
}

/// Why `yaml` is refused; fails the test when it is accepted.
std::string refusal_of(const std::string& yaml) {
  auto result = parse_routes(YAML::Load(yaml));
  auto why = std::get_if<std::string>(&result);
  REQUIRE(why != nullptr);
  return *why;
}

/// The deposit route with `from` replaced by `to` (the first occurrence).
std::string deposit_with(const std::string& from, const std::string& to) {
  std::string yaml = deposit_route;
  auto at = yaml.find(from);
  REQUIRE(at != std::string::npos);
  return yaml.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("a route is read with every key") {
  auto routes = routes_of(deposit_route);
  REQUIRE(routes.size() == 1);
  auto& r = routes[0];
  CHECK(r.name == "deposit");
  CHECK(r.method == "POST");
  CHECK(r.path.text() == "/accounts/{accountId}/deposits");
  CHECK(r.request_topic == "deposit_requested");
  CHECK(r.outcome_topic == "deposit_outcomes");
  CHECK(r.key.from == record_key::source::path_parameter);
  CHECK(r.key.name == "accountId");
  CHECK(r.max_body_bytes == 4096);
  CHECK(r.required_fields == std::vector<std::string>{"amount"});
  CHECK(r.protocol == reply_protocol::spring);
  CHECK(r.type_header == "__TypeId__");
  CHECK(r.reply_timeout == std::chrono::milliseconds{3000});
  REQUIRE(r.outcomes.size() == 2);
  CHECK(r.outcomes[0].event_type == "DepositAccepted");
  CHECK(r.outcomes[0].status == 201);
  CHECK(r.outcomes[0].body_fields
        == std::vector<std::string>{"depositId", "balance"});
  CHECK(r.outcomes[0].location == "/accounts/{accountId}/deposits/{depositId}");
  CHECK(r.outcomes[1].status == 422);
  CHECK(r.outcomes[1].body_fields.empty());
}

TEST_CASE("a spring route reads its event type from the header it names") {
  auto routes = routes_of(deposit_with(
    "replyProtocol: spring", "replyProtocol: spring\n  typeHeader: eventType"));
  CHECK(routes[0].type_header == "eventType");
}

TEST_CASE("a route's optional keys take their defaults") {
  auto routes = routes_of(R"(
- method: PUT
  path: /orders/{orderId}
  requestTopic: orders
  outcomeTopic: order_outcomes
  key: body:/customer/id
  outcomes: {OrderPlaced: {status: 201}}
)");
  REQUIRE(routes.size() == 1);
  auto& r = routes[0];
  CHECK(r.name == "PUT /orders/{orderId}");
  CHECK(r.key.from == record_key::source::body_pointer);
  CHECK(r.key.name == "/customer/id");
  CHECK(r.max_body_bytes == 65536);
  CHECK(r.protocol == reply_protocol::semiasync);
  CHECK_FALSE(r.reply_timeout);
}

TEST_CASE("a bad route is refused in one line naming it and saying why") {
  auto [from, to, why] = GENERATE(
    std::make_tuple("method: POST", "method: GET", "must be POST, PUT"),
    std::make_tuple("method: POST", "method: ''", "method is missing"),
    std::make_tuple("path: /accounts/{accountId}/deposits",
                    "path: /accounts/{id}/{id}", "'id' twice"),
    std::make_tuple("requestTopic: deposit_requested",
                    "requestTopic: 'bad topic'", "letters, digits"),
    std::make_tuple("outcomeTopic: deposit_outcomes", "outcomeTopicc: x",
                    "did you mean 'outcomeTopic'?"),
    std::make_tuple("key: path:accountId", "key: path:userId",
                    "names no parameter of the path"),
    std::make_tuple("key: path:accountId", "key: 'body:'", "JSON pointer"),
    std::make_tuple("key: path:accountId", "key: body:/a~2",
                    "'~' must be followed by 0 or 1"),
    std::make_tuple("key: path:accountId", "key: accountId",
                    "path:<parameter> or body:<JSON pointer>"),
    std::make_tuple("maxBodyBytes: 4096", "maxBodyBytes: lots",
                    "maxBodyBytes must be a whole number"),
    std::make_tuple("requiredFields: [amount]", "requiredFields: amount",
                    "requiredFields must be a list"),
    std::make_tuple("replyProtocol: spring", "replyProtocol: grpc",
                    "must be semiasync or spring"),
    std::make_tuple("replyProtocol: spring",
                    "replyProtocol: semiasync\n  typeHeader: __TypeId__",
                    "typeHeader is eventType for replyProtocol semiasync"),
    std::make_tuple("replyProtocol: spring",
                    "replyProtocol: spring\n  typeHeader: ''",
                    "typeHeader must name a header"),
    std::make_tuple("replyTimeoutMs: 3000", "replyTimeoutMs: 0",
                    "replyTimeoutMs must be a whole number in 1..600000"),
    std::make_tuple("{status: 422}", "{status: 99}",
                    "outcome 'DepositRefused': status must be"),
    std::make_tuple("{status: 422}", "{code: 422}",
                    "outcome 'DepositRefused': unknown key 'code'"),
    std::make_tuple("{status: 422}", "{body: [x]}",
                    "outcome 'DepositRefused': status is missing"));
  CAPTURE(from, to);
  auto refused = refusal_of(deposit_with(from, to));
  CHECK_THAT(refused, Catch::StartsWith("routes[0] 'deposit' (line 2): "));
  CHECK_THAT(refused, Catch::Contains(why));
}

TEST_CASE("route names are unique and fit the gateway store") {
  auto two = std::string{deposit_route}
             + deposit_with("path: /accounts/{accountId}/deposits",
                            "path: /accounts/{accountId}/withdrawals");
  CHECK_THAT(refusal_of(two),
             Catch::Contains("routes[1] 'deposit' (line 17): another route is "
                             "already named 'deposit'"));
  CHECK_THAT(refusal_of(deposit_with("name: deposit", "name: ''")),
             Catch::Contains("name must be 1 to 255 bytes"));
  CHECK_THAT(
    refusal_of(deposit_with("name: deposit", "name: " + std::string(256, 'n'))),
    Catch::Contains("name must be 1 to 255 bytes"));
}

TEST_CASE("routes without a usable shape are refused") {
  CHECK_THAT(refusal_of("{a: 1}"), Catch::Contains("expected a list"));
  CHECK_THAT(refusal_of("- just text"),
             Catch::Contains("routes[0] (line 1): expected a map"));
  CHECK_THAT(refusal_of(deposit_with("  outcomes:", "  other:")),
             Catch::Contains("unknown key 'other'"));
  auto two
    = std::string{deposit_route} + deposit_with("name: deposit", "name: again");
  CHECK_THAT(refusal_of(two),
             Catch::Contains("routes[1] 'again'")
               && Catch::Contains("another route already takes POST "
                                  "/accounts/{accountId}/deposits"));
}
