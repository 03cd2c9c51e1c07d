#include "domain/uuid.hpp"
#include "http/route_answer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "metrics/text_format.hpp"

using namespace semiasync;
using semiasync::http::answer;
using json = nlohmann::json;

namespace {

std::optional<std::string> field(const answer& x, const std::string& name) {
  for (auto& [key, value] : x.headers)
    if (key == name) return value;
  return std::nullopt;
}

/// The body of a problem that reached no handler: it names a fresh request
/// ID in its body and in `X-Request-Id`, as every answer to a POST must.
json fresh_problem_body(const answer& x) {
  CHECK(x.content_type == "application/problem+json");
  auto doc = json::parse(x.body);
  CHECK(doc["status"] == x.status);
  auto id = field(x, "X-Request-Id");
  REQUIRE(id);
  CHECK(is_canonical_uuid(*id));
  CHECK(doc["requestId"] == *id);
  return doc;
}

} // namespace

TEST_CASE("a path no route names is a 404 problem", "[answer][route]") {
  auto x = http::not_found();
  CHECK(x.status == 404);
  CHECK(fresh_problem_body(x)["detail"] == "no such resource");
  CHECK(field(http::not_found(), "X-Request-Id") != field(x, "X-Request-Id"));
}

TEST_CASE("a method a route does not serve is a 405 problem with Allow",
          "[answer][route]") {
  auto x = http::method_not_allowed("GET, HEAD");
  CHECK(x.status == 405);
  CHECK(fresh_problem_body(x)["detail"] == "allowed: GET, HEAD");
  CHECK(field(x, "Allow") == "GET, HEAD");
}

TEST_CASE("healthz and metrics answer 200 with their media types",
          "[answer][route]") {
  auto health = http::healthy();
  CHECK(health.status == 200);
  CHECK(health.content_type == "application/json");
  CHECK(json::parse(health.body) == json{{"status", "ok"}});
  auto metrics = http::metrics_text("a_total 1\n");
  CHECK(metrics.status == 200);
  CHECK(metrics.body == "a_total 1\n");
  CHECK(metrics.content_type == std::string{metrics::text::content_type});
  CHECK(metrics.headers.empty());
}

TEST_CASE("readyz says why it is not ready, draining first",
          "[answer][route]") {
  int asked = 0;
  std::optional<std::string> why;
  auto not_ready = [&] {
    ++asked;
    return why;
  };
  SECTION("ready") {
    auto x = http::readiness(false, not_ready);
    CHECK(x.status == 200);
    CHECK(x.content_type == "application/json");
    CHECK(json::parse(x.body) == json{{"status", "ready"}});
    CHECK(asked == 1);
  }
  SECTION("not ready") {
    why = "kafka: no broker reachable";
    auto x = http::readiness(false, not_ready);
    CHECK(x.status == 503);
    CHECK(x.content_type == "application/json");
    CHECK(json::parse(x.body)
          == json{{"status", "not ready"}, {"reason", *why}});
    CHECK(field(x, "Retry-After") == "1");
  }
  SECTION("draining, whatever else holds, without asking") {
    auto x = http::readiness(true, not_ready);
    CHECK(x.status == 503);
    CHECK(json::parse(x.body)["reason"] == "draining");
    CHECK(field(x, "Retry-After") == "1");
    CHECK(asked == 0);
  }
}
