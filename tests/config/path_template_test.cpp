#include "config/path_template.hpp"

#include <catch2/catch.hpp>
#include <string>

using semiasync::config::path_template;

namespace {

/// The parsed template; fails the test when `text` is refused.
path_template parsed(std::string_view text) {
  auto result = path_template::parse(text);
  if (auto why = std::get_if<std::string>(&result))
    FAIL("'" << std::string{text} << "' refused: " << *why);
  return std::get<path_template>(result);
}

/// Why `text` is refused; fails the test when it is accepted.
std::string refusal(std::string_view text) {
  auto result = path_template::parse(text);
  auto why = std::get_if<std::string>(&result);
  REQUIRE(why != nullptr);
  return *why;
}

} // namespace

TEST_CASE("a path template binds each parameter to its segment") {
  auto t = parsed("/accounts/{accountId}/deposits/{depositId}");
  CHECK(t.text() == "/accounts/{accountId}/deposits/{depositId}");
  CHECK(t.has_parameter("accountId"));
  CHECK_FALSE(t.has_parameter("deposits"));
  auto bound = t.match("/accounts/a-7/deposits/42");
  REQUIRE(bound);
  REQUIRE(bound->size() == 2);
  CHECK((*bound)[0] == path_template::binding{"accountId", "a-7"});
  CHECK((*bound)[1] == path_template::binding{"depositId", "42"});
}

TEST_CASE("a path matches only with every literal and one segment per "
          "parameter") {
  auto t = parsed("/orders/{orderId}/cancel");
  CHECK(t.match("/orders/17/cancel"));
  CHECK_FALSE(t.match("/orders/17"));
  CHECK_FALSE(t.match("/orders/17/cancel/now"));
  CHECK_FALSE(t.match("/orders//cancel"));
  CHECK_FALSE(t.match("/orders/17/Cancel"));
  CHECK_FALSE(t.match("/order/17/cancel"));
  CHECK_FALSE(t.match("orders/17/cancel"));
  CHECK_FALSE(t.match(""));
  CHECK_FALSE(t.match("/"));
}

TEST_CASE("literal templates and the root match themselves only") {
  auto users = parsed("/users");
  auto bound = users.match("/users");
  REQUIRE(bound);
  CHECK(bound->empty());
  CHECK_FALSE(users.match("/users/x"));
  CHECK_FALSE(users.match("/"));
  auto root = parsed("/");
  CHECK(root.segments().empty());
  CHECK(root.match("/"));
  CHECK_FALSE(root.match("/users"));
}

TEST_CASE("a bad path template is refused, saying why") {
  CHECK(refusal("") == "must start with '/'");
  CHECK(refusal("orders/{id}") == "must start with '/'");
  CHECK_THAT(refusal("/orders//cancel"), Catch::Contains("empty segment"));
  CHECK_THAT(refusal("/orders/"), Catch::Contains("empty segment"));
  CHECK_THAT(refusal("/orders/x{id}"), Catch::Contains("whole segment"));
  CHECK_THAT(refusal("/orders/{id}x"), Catch::Contains("whole segment"));
  CHECK_THAT(refusal("/orders/{id"), Catch::Contains("whole segment"));
  CHECK_THAT(refusal("/orders/id}"), Catch::Contains("whole segment"));
  CHECK_THAT(refusal("/orders/{}"), Catch::Contains("not a parameter name"));
  CHECK_THAT(refusal("/orders/{1st}"), Catch::Contains("not a parameter name"));
  CHECK_THAT(refusal("/orders/{a-b}"), Catch::Contains("not a parameter name"));
  CHECK_THAT(refusal("/a/{id}/b/{id}"), Catch::Contains("'id' twice"));
}
