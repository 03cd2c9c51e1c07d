#include "domain/uuid.hpp"
#include "http/answer.hpp"
#include "http/create_user_input.hpp"

#include <catch2/catch.hpp>

#include "tests/support/text.hpp"

using semiasync::testing::repeat;
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

using namespace semiasync;
using semiasync::http::create_user_command;
using semiasync::http::create_user_input;
using semiasync::http::create_user_rejection;
using semiasync::http::parse_create_user;
using json = nlohmann::json;

namespace {

const request_id fresh{"0f8fad5b-d9cb-469f-a165-70867728950e"};
constexpr size_t max_body = 64 * 1024;

auto parse(std::string_view body,
           std::optional<std::string_view> content_type = "application/json",
           std::optional<std::string_view> key = std::nullopt,
           size_t limit = max_body) {
  return parse_create_user(
    create_user_input{content_type, key, body, std::nullopt}, limit, fresh);
}

create_user_command
accepted(const std::variant<create_user_command, create_user_rejection>& x) {
  auto result = std::get_if<create_user_command>(&x);
  if (result == nullptr) {
    auto& rejected = std::get<create_user_rejection>(x);
    auto response = semiasync::http::answer_rejection(rejected);
    FAIL("rejected with " << response.status << ": " << response.body);
  }
  return *result;
}

/// A rejection with its parsed problem body, after checking that the body
/// agrees with the status and names the rejection's request ID.
struct rejected {
  uint16_t status;
  std::string detail;
  request_id request;
};

rejected
rejection(const std::variant<create_user_command, create_user_rejection>& x) {
  auto result = std::get_if<create_user_rejection>(&x);
  REQUIRE(result != nullptr);
  auto response = semiasync::http::answer_rejection(*result);
  CHECK(response.content_type == "application/problem+json");
  auto doc = json::parse(response.body, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["status"] == response.status);
  CHECK(doc["requestId"] == result->request.value);
  REQUIRE(doc["detail"].is_string());
  CHECK(doc["detail"] == result->detail);
  return {response.status, doc["detail"].get<std::string>(), result->request};
}

std::string body_with_name(const std::string& name) {
  return json{{"name", name}}.dump();
}

} // namespace

TEST_CASE("a valid body becomes a command with the fresh request ID",
          "[create_user_input]") {
  auto cmd = accepted(parse(R"({"name": "alice"})"));
  CHECK(cmd.request == fresh);
  CHECK(cmd.name.value == "alice");
  SECTION("Unicode, escapes and extra fields") {
    CHECK(accepted(parse(R"({"name": "Zo\u00eb", "extra": [1, 2]})")).name.value
          == "Zo\xC3\xAB");
    CHECK(accepted(parse(body_with_name("\xF0\x9F\x98\x80"))).name.value
          == "\xF0\x9F\x98\x80");
  }
  SECTION("brackets inside strings do not count as nesting") {
    auto name = std::string(100, '[') + "\\\"" + std::string(100, '{');
    auto body = "{\"name\": \"" + name + "\"}";
    CHECK(accepted(parse(body)).name.value
          == std::string(100, '[') + "\"" + std::string(100, '{'));
  }
  SECTION("nesting up to 32 levels is fine") {
    auto body = R"({"name": "a", "x": )" + std::string(31, '[')
                + std::string(31, ']') + "}";
    CHECK(accepted(parse(body)).name.value == "a");
  }
}

TEST_CASE("an Idempotency-Key determines the request ID",
          "[create_user_input]") {
  auto body = R"({"name": "alice"})";
  auto first = accepted(parse(body, "application/json", "order-42"));
  CHECK(first.request.value == name_based_uuid("order-42"));
  CHECK(first.request != fresh);
  CHECK(is_canonical_uuid(first.request.value));
  SECTION("the same key gives the same ID, whatever the fresh one") {
    auto again = parse_create_user(
      {"application/json", std::string_view{"order-42"}, body, std::nullopt},
      max_body, request_id{"11111111-1111-4111-8111-111111111111"});
    CHECK(accepted(again).request == first.request);
  }
  SECTION("another key gives another ID") {
    CHECK(accepted(parse(body, "application/json", "order-43")).request
          != first.request);
  }
  SECTION("keys of 1 and 255 printable characters are fine") {
    auto one = accepted(parse(body, "application/json", "k"));
    CHECK(one.request.value == name_based_uuid("k"));
    std::string longest(255, '~');
    CHECK(accepted(parse(body, "application/json", longest)).request.value
          == name_based_uuid(longest));
  }
  SECTION("a rejected body names the key's request ID") {
    auto x = rejection(parse("{}", "application/json", "order-42"));
    CHECK(x.status == 400);
    CHECK(x.request == first.request);
  }
}

TEST_CASE("Idempotency-Keys of different clients never meet",
          "[create_user_input]") {
  // Before idempotencyScopeHeader and idempotencySecret, the request ID was
  // the UUIDv5 of the key alone: two clients that picked "order-42" shared
  // one request (and its outcome), and anyone could compute the ID.
  auto body = R"({"name": "alice"})";
  auto as_client = [&](std::optional<std::string_view> scope,
                       std::string_view secret = {}) {
    create_user_input input{"application/json", std::string_view{"order-42"},
                            body, scope};
    return accepted(parse_create_user(input, max_body, fresh, secret)).request;
  };
  SECTION("two clients with the same key get different request IDs") {
    CHECK(as_client("client-a") != as_client("client-b"));
    CHECK(as_client("client-a", "0123456789abcdef")
          != as_client("client-b", "0123456789abcdef"));
  }
  SECTION("one client's retries keep their request ID") {
    CHECK(as_client("client-a") == as_client("client-a"));
    CHECK(as_client("client-a", "0123456789abcdef")
          == as_client("client-a", "0123456789abcdef"));
  }
  SECTION("a request without the scope header is in the anonymous scope") {
    CHECK(as_client("") == as_client(""));
    CHECK(as_client("") != as_client("client-a"));
  }
  SECTION("with a secret, the key alone does not give the request ID") {
    auto keyed = as_client(std::nullopt, "0123456789abcdef");
    CHECK(is_canonical_uuid(keyed.value));
    CHECK(keyed.value != name_based_uuid("order-42"));
    CHECK(keyed != as_client(std::nullopt, "fedcba9876543210"));
  }
  SECTION("with neither, the request ID is the UUIDv5 of the key, as before") {
    CHECK(as_client(std::nullopt).value == name_based_uuid("order-42"));
  }
  SECTION("a rejection names the scoped request ID") {
    create_user_input input{"application/json", std::string_view{"order-42"},
                            "{}", std::string_view{"client-a"}};
    CHECK(rejection(parse_create_user(input, max_body, fresh)).request
          == as_client("client-a"));
  }
}

TEST_CASE("an invalid Idempotency-Key is a 400", "[create_user_input]") {
  auto key = GENERATE(as<std::string>{}, "", std::string(256, 'k'), "has space",
                      "caf\xC3\xA9", "tab\tkey", "nl\n",
                      std::string{"nul\0", 4}, "del\x7F");
  CAPTURE(key);
  auto x = rejection(
    parse(R"({"name": "alice"})", "application/json", std::string_view{key}));
  CHECK(x.status == 400);
  CHECK(x.detail.find("Idempotency-Key") != std::string::npos);
  CHECK(x.request == fresh);
}

TEST_CASE("a body over the limit is a 413", "[create_user_input]") {
  auto body = body_with_name(std::string(100, 'a'));
  SECTION("one byte over") {
    auto x = rejection(
      parse(body, "application/json", std::nullopt, body.size() - 1));
    CHECK(x.status == 413);
    CHECK(x.detail
          == "the body is larger than " + std::to_string(body.size() - 1)
               + " bytes");
    CHECK(x.request == fresh);
  }
  SECTION("exactly at the limit") {
    CHECK(accepted(parse(body, "application/json", std::nullopt, body.size()))
            .name.value
          == std::string(100, 'a'));
  }
  SECTION("the default 64 KiB limit") {
    auto huge
      = R"({"name": "a", "pad": ")" + std::string(max_body, ' ') + "\"}";
    CHECK(rejection(parse(huge)).status == 413);
  }
}

TEST_CASE("the Content-Type must be JSON when present", "[create_user_input]") {
  auto body = R"({"name": "alice"})";
  SECTION("JSON media types are accepted") {
    auto type = GENERATE(
      as<std::string>{}, "application/json", "application/json; charset=utf-8",
      "Application/JSON", " application/json ;q=1",
      "application/merge-patch+json", "application/problem+json");
    CAPTURE(type);
    CHECK(accepted(parse(body, std::string_view{type})).name.value == "alice");
  }
  SECTION("an absent Content-Type is accepted") {
    CHECK(accepted(parse(body, std::nullopt)).name.value == "alice");
  }
  SECTION("anything else is a 415") {
    auto type
      = GENERATE(as<std::string>{}, "text/plain", "",
                 "application/x-www-form-urlencoded", "application/jsonp",
                 "application/+json", "text/plain; note=application/json");
    CAPTURE(type);
    auto x = rejection(parse(body, std::string_view{type}));
    CHECK(x.status == 415);
    CHECK(x.detail == "the body must be application/json");
    CHECK(x.request == fresh);
  }
}

TEST_CASE("a bad body is a 400 saying what is wrong", "[create_user_input]") {
  struct bad_body {
    std::string body;
    std::string detail;
  };
  auto bad = GENERATE(values<bad_body>({
    {R"({"name": )", "the body is not valid JSON"},
    {"", "the body is not valid JSON"},
    {R"({"name": "alice"} trailing)", "the body is not valid JSON"},
    {R"({'name': 'alice'})", "the body is not valid JSON"},
    {R"({"name": "\ud800"})", "the body is not valid JSON"},
    {R"(["alice"])", "the body must be a JSON object"},
    {R"("alice")", "the body must be a JSON object"},
    {"null", "the body must be a JSON object"},
    {"{}", "field 'name' is missing"},
    {R"({"Name": "alice"})", "field 'name' is missing"},
    {R"({"name": 42})", "field 'name' must be a string"},
    {R"({"name": null})", "field 'name' must be a string"},
    {R"({"name": ["alice"]})", "field 'name' must be a string"},
    {R"({"name": {"x": 1}})", "field 'name' must be a string"},
    {R"({"name": true})", "field 'name' must be a string"},
    {"42", "the body must be a JSON object"},
    {R"({"name": "alice"}{"name": "bob"})", "the body is not valid JSON"},
    {R"({"name": "alice"},)", "the body is not valid JSON"},
    // nlohmann reads a NUL as the end of its input.
    {std::string{R"({"name": "alice"})"} + '\0', "the body is not valid JSON"},
    {std::string{R"({"name": "alice"})"} + '\0' + R"({"name": "bob"})",
     "the body is not valid JSON"},
    {std::string{R"({"name": "al)"} + '\0' + R"(ice"})",
     "the body is not valid JSON"},
    {R"({"name": "alice", "name": "bob"})", "the body has a duplicate key"},
    {R"({"name": "alice", "name": "alice"})", "the body has a duplicate key"},
    {R"({"name": "alice", "n\u0061me": "bob"})",
     "the body has a duplicate key"},
    {R"({"x": 1, "name": "alice", "x": 2})", "the body has a duplicate key"},
    {R"({"name": ""})", "name must not be empty"},
    {R"({"name": "   "})", "name must not be blank"},
    {R"({"name": "\u00a0\u00a0"})", "name must not be blank"},
    {R"({"name": "a\nb"})", "name must not contain control characters"},
    {R"({"name": "a\u0000b"})", "name must not contain control characters"},
    {body_with_name(std::string(256, 'a')),
     "name is longer than 255 characters"},
    {body_with_name(repeat("\xC3\xA9", 256)),
     "name is longer than 255 characters"},
    {"{\"name\": \"caf\xC3\"}", "the body is not valid UTF-8"},
    {"{\"name\": \"\xC0\xAF\"}", "the body is not valid UTF-8"},
    {"{\"name\": \"\xED\xA0\x80\"}", "the body is not valid UTF-8"},
    {std::string(10000, '[') + std::string(10000, ']'),
     "the body nests too deeply"},
    {R"({"name": "a", "x": )" + std::string(10000, '{'),
     "the body nests too deeply"},
    {R"({"name": "a", "x": )" + std::string(32, '[') + std::string(32, ']')
       + "}",
     "the body nests too deeply"},
  }));
  CAPTURE(bad.body.substr(0, 80));
  auto x = rejection(parse(bad.body));
  CHECK(x.status == 400);
  CHECK(x.detail == bad.detail);
  CHECK(x.request == fresh);
}

TEST_CASE("names of 255 characters are accepted", "[create_user_input]") {
  CHECK(accepted(parse(body_with_name(std::string(255, 'a')))).name.value.size()
        == 255);
  auto accents = repeat("\xC3\xA9", 255);
  CHECK(accepted(parse(body_with_name(accents))).name.value == accents);
}

TEST_CASE("keys repeated below the top level are not interpreted",
          "[create_user_input]") {
  // Only the top-level object is read; nested extras are ignored whole.
  auto body = R"({"name": "alice", "x": {"k": 1, "k": 2}})";
  CHECK(accepted(parse(body)).name.value == "alice");
}

TEST_CASE("a leading UTF-8 byte order mark is ignored", "[create_user_input]") {
  // RFC 8259 section 8.1 lets parsers ignore a BOM; some Windows clients
  // send one, and the rest of the body is still plain UTF-8 JSON.
  CHECK(accepted(parse("\xEF\xBB\xBF{\"name\": \"alice\"}")).name.value
        == "alice");
  SECTION("but not a second one, nor one inside the JSON") {
    CHECK(
      rejection(parse("\xEF\xBB\xBF\xEF\xBB\xBF{\"name\": \"alice\"}")).status
      == 400);
    CHECK(rejection(parse(" \xEF\xBB\xBF{\"name\": \"alice\"}")).status == 400);
  }
}
