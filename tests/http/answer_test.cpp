#include "domain/error.hpp"
#include "http/answer.hpp"

#include <caf/sec.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

using namespace semiasync;
using semiasync::http::answer;
using semiasync::http::answer_for;
using semiasync::http::problem;
using json = nlohmann::json;

namespace {

const request_id request{"0f8fad5b-d9cb-469f-a165-70867728950e"};
const std::string user_text = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/// Text an adapter might put in an error's detail; must never reach a client.
const std::string internal_text
  = "Lost connection to MySQL server at 'db:3306'; SELECT * FROM users";

std::set<std::string> keys_of(const json& doc) {
  std::set<std::string> result;
  for (auto& item : doc.items())
    result.insert(item.key());
  return result;
}

std::optional<std::string> header(const answer& x, const std::string& name) {
  for (auto& [key, value] : x.headers)
    if (key == name) return value;
  return std::nullopt;
}

/// Checks the RFC 9457 shape of `x` and returns its parsed body.
json problem_body(const answer& x, const request_id& id = request) {
  CHECK(x.content_type == "application/problem+json");
  auto doc = json::parse(x.body, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  REQUIRE(doc.is_object());
  CHECK(
    keys_of(doc)
    == std::set<std::string>{"type", "title", "status", "detail", "requestId"});
  CHECK(doc["status"] == x.status);
  REQUIRE(doc["type"].is_string());
  CHECK_FALSE(doc["type"].get<std::string>().empty());
  CHECK(doc["title"] == std::string{http::reason_phrase(x.status)});
  REQUIRE(doc["detail"].is_string());
  CHECK_FALSE(doc["detail"].get<std::string>().empty());
  CHECK(doc["requestId"] == id.value);
  return doc;
}

answer answer_error(caf::error err) {
  return answer_for(caf::expected<outcome>{std::move(err)}, request);
}

} // namespace

TEST_CASE("a created user is a 201 with its location", "[answer]") {
  outcome created
    = user_created{request, user_uuid{user_text}, user_name{"Zo\xC3\xAB"}};
  auto x = answer_for(created, request);
  CHECK(x.status == 201);
  CHECK(x.content_type == "application/json");
  auto doc = json::parse(x.body, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(keys_of(doc) == std::set<std::string>{"uuid", "name"});
  CHECK(doc["uuid"] == user_text);
  CHECK(doc["name"] == "Zo\xC3\xAB");
  CHECK(header(x, "Location") == "/users/" + user_text);
}

TEST_CASE("a duplicated name is a 409 problem", "[answer]") {
  outcome duplicated = user_duplicated{request, user_name{"alice"}};
  auto x = answer_for(duplicated, request);
  CHECK(x.status == 409);
  auto doc = problem_body(x);
  CHECK(doc["title"] == "Conflict");
  CHECK_FALSE(header(x, "Location"));
}

TEST_CASE("each error code maps to its status", "[answer]") {
  SECTION("reply_timeout is 504") {
    auto x = answer_error(make_error(error_code::reply_timeout, internal_text));
    CHECK(x.status == 504);
    auto doc = problem_body(x);
    CHECK(doc["detail"].get<std::string>().find("MySQL") == std::string::npos);
  }
  SECTION("publish_failed, broker_unavailable, component_failed and "
          "database_unavailable are 503") {
    auto code = GENERATE(
      error_code::publish_failed, error_code::broker_unavailable,
      error_code::component_failed, error_code::database_unavailable);
    CAPTURE(to_string(code));
    auto x = answer_error(make_error(code, "draining"));
    CHECK(x.status == 503);
    problem_body(x);
    REQUIRE(header(x, "Retry-After"));
    CHECK(std::stoi(*header(x, "Retry-After")) > 0);
    SECTION("without a detail the body still says what to do") {
      auto bare = answer_error(make_error(code));
      CHECK(bare.status == 503);
      CHECK(problem_body(bare)["detail"].get<std::string>().find("try again")
            != std::string::npos);
      CHECK(header(bare, "Retry-After"));
    }
  }
  SECTION("request_id_conflict is 422") {
    auto x = answer_error(
      make_error(error_code::request_id_conflict, internal_text));
    CHECK(x.status == 422);
    auto doc = problem_body(x);
    CHECK(doc["detail"].get<std::string>().find("MySQL") == std::string::npos);
    CHECK_FALSE(header(x, "Retry-After"));
  }
  SECTION("anything else is a 500 that leaks nothing") {
    auto err
      = GENERATE_COPY(make_error(error_code::malformed_record, internal_text),
                      make_error(error_code::database_rejected, internal_text),
                      caf::make_error(caf::sec::request_timeout, internal_text),
                      caf::make_error(caf::sec::unexpected_message));
    CAPTURE(caf::to_string(err));
    auto x = answer_error(err);
    CHECK(x.status == 500);
    auto doc = problem_body(x);
    CHECK(x.body.find("MySQL") == std::string::npos);
    CHECK(x.body.find("SELECT") == std::string::npos);
    CHECK(x.body.find("request_timeout") == std::string::npos);
    CHECK(x.body.find("unexpected_message") == std::string::npos);
    CHECK_FALSE(header(x, "Retry-After"));
  }
}

// The contract says error bodies never leak internals, and answer.hpp says
// `detail` must carry only our own words. answer_for passes a 503's detail
// through verbatim, and kafka/producer.cpp fills publish_failed details with
// the topic name and librdkafka's errstr (actors/request.cpp forwards them
// unchanged), so a client sees e.g. "topic '...': Local: Message timed out".
TEST_CASE("a 503 does not leak the error's internal detail", "[answer]") {
  auto code
    = GENERATE(error_code::publish_failed, error_code::broker_unavailable,
               error_code::component_failed, error_code::database_unavailable);
  CAPTURE(to_string(code));
  auto x = answer_error(make_error(
    code, "topic 'create_user_request_sent': Local: Message timed out"));
  CHECK(x.status == 503);
  CHECK(x.body.find("create_user_request_sent") == std::string::npos);
  CHECK(x.body.find("Local:") == std::string::npos);
}

TEST_CASE("problem builds RFC 9457 bodies", "[answer]") {
  SECTION("with a request ID") {
    auto x = problem(400, "field 'name' is missing", request);
    CHECK(x.status == 400);
    auto doc = problem_body(x);
    CHECK(doc["detail"] == "field 'name' is missing");
    CHECK(doc["title"] == "Bad Request");
  }
  SECTION("without a request ID there is no requestId field") {
    auto x = problem(404, "no such resource");
    auto doc = json::parse(x.body);
    CHECK(doc.count("requestId") == 0);
    CHECK(doc["status"] == 404);
    CHECK(doc["title"] == "Not Found");
  }
  SECTION("different statuses get different types") {
    auto a = json::parse(problem(400, "x", request).body);
    auto b = json::parse(problem(413, "x", request).body);
    CHECK(a["type"] != b["type"]);
  }
  SECTION("a detail with invalid UTF-8 still gives valid JSON") {
    auto x = problem(400, "bad \xFF byte", request);
    CHECK_FALSE(json::parse(x.body, nullptr, false).is_discarded());
  }
}

TEST_CASE("a rejection by the worker is a 4xx problem, never a retry hint",
          "[answer]") {
  auto reject = [](error_code reason, std::string detail) {
    outcome x
      = user_rejected{request, user_name{"alice"}, reason, std::move(detail)};
    return answer_for(x, request);
  };
  SECTION("a reused Idempotency-Key is a 422") {
    auto x = reject(error_code::request_id_conflict, "");
    CHECK(x.status == 422);
    CHECK(problem_body(x)["detail"].get<std::string>().find("Idempotency-Key")
          != std::string::npos);
  }
  SECTION("a record the worker could not read is a 400 saying why") {
    auto x = reject(error_code::malformed_record, "field 'name' is missing");
    CHECK(x.status == 400);
    CHECK(problem_body(x)["detail"].get<std::string>().find("'name'")
          != std::string::npos);
  }
  SECTION("a database refusal is a 422 without the database's words") {
    auto x = reject(error_code::database_rejected, internal_text);
    CHECK(x.status == 422);
    CHECK(problem_body(x)["detail"].get<std::string>().find("MySQL")
          == std::string::npos);
  }
  CHECK_FALSE(
    header(reject(error_code::request_id_conflict, ""), "Retry-After"));
}

TEST_CASE("respond-async turns a passed deadline into 202", "[answer]") {
  auto x = http::answer_async(
    caf::expected<outcome>{make_error(error_code::reply_timeout)}, request);
  CHECK(x.status == 202);
  CHECK(header(x, "Location") == "/requests/" + request.value);
  CHECK(header(x, "Retry-After"));
  auto doc = json::parse(x.body);
  CHECK(doc["requestId"] == request.value);
  CHECK(doc["status"] == "pending");
  SECTION("an outcome or another error answers as without it") {
    outcome created
      = user_created{request, user_uuid{user_text}, user_name{"a"}};
    CHECK(http::answer_async(created, request).status == 201);
    CHECK(http::answer_async(
            caf::expected<outcome>{make_error(error_code::publish_uncertain)},
            request)
            .status
          == 504);
    CHECK(
      http::answer_async(
        caf::expected<outcome>{make_error(error_code::publish_failed)}, request)
        .status
      == 503);
  }
}

TEST_CASE("GET /requests/<id> answers from the stored outcome", "[answer]") {
  using stored = caf::expected<std::optional<outcome>>;
  SECTION("created: 200 pointing at the user") {
    auto x = http::answer_request_status(
      stored{
        outcome{user_created{request, user_uuid{user_text}, user_name{"ann"}}}},
      false, request);
    CHECK(x.status == 200);
    CHECK(header(x, "Location") == "/users/" + user_text);
    auto doc = json::parse(x.body);
    CHECK(doc["status"] == "created");
    CHECK(doc["uuid"] == user_text);
    CHECK(doc["name"] == "ann");
    CHECK(doc["requestId"] == request.value);
  }
  SECTION("duplicated: 200 saying so") {
    auto x = http::answer_request_status(
      stored{outcome{user_duplicated{request, user_name{"ann"}}}}, false,
      request);
    CHECK(x.status == 200);
    CHECK(json::parse(x.body)["status"] == "duplicated");
  }
  SECTION("not stored: 202 while pending, else 404") {
    auto pending
      = http::answer_request_status(stored{std::nullopt}, true, request);
    CHECK(pending.status == 202);
    CHECK(header(pending, "Retry-After"));
    auto unknown
      = http::answer_request_status(stored{std::nullopt}, false, request);
    CHECK(unknown.status == 404);
    problem_body(unknown);
  }
  SECTION("a failed lookup is a 503 without the database's words") {
    auto x = http::answer_request_status(
      stored{make_error(error_code::database_unavailable, internal_text)}, true,
      request);
    CHECK(x.status == 503);
    CHECK(x.body.find("MySQL") == std::string::npos);
  }
}

TEST_CASE("GET /users/<uuid> answers 200 or 404", "[answer]") {
  using found = caf::expected<std::optional<stored_user>>;
  auto x = http::answer_user(
    found{stored_user{user_uuid{user_text}, user_name{"Zo\xC3\xAB"}, request}},
    request);
  CHECK(x.status == 200);
  auto doc = json::parse(x.body);
  CHECK(keys_of(doc) == std::set<std::string>{"uuid", "name"});
  CHECK(doc["name"] == "Zo\xC3\xAB");
  auto missing = http::answer_user(found{std::nullopt}, request);
  CHECK(missing.status == 404);
  problem_body(missing);
  CHECK(http::answer_user(found{make_error(error_code::database_unavailable)},
                          request)
          .status
        == 503);
}

TEST_CASE("an attempt under a shared request ID reads its own status, not "
          "another name's outcome",
          "[answer]") {
  // Issue 14, item 7: a respond-async request refused for a reused key
  // polled the first request's `200 created`.
  using stored = caf::expected<std::optional<outcome>>;
  user_name ann{"ann"};
  user_name bob{"b\xC3\xB6 b&=?"};
  stored ann_created{outcome{user_created{request, user_uuid{user_text}, ann}}};
  SECTION("the attempt that owns the ID reads its outcome") {
    auto x = http::answer_request_status(ann_created, false, request, ann);
    CHECK(x.status == 200);
    CHECK(json::parse(x.body)["status"] == "created");
  }
  SECTION("another name under the same ID reads that it was refused") {
    auto x = http::answer_request_status(ann_created, false, request, bob);
    CHECK(x.status == 200);
    auto doc = json::parse(x.body);
    CHECK(doc["status"] == "rejected");
    CHECK(doc["error"] == "request_id_conflict");
    CHECK(doc["name"] == bob.value);
    CHECK_FALSE(header(x, "Location"));
  }
  SECTION("a duplicate binds its ID to its name as well") {
    stored dup{outcome{user_duplicated{request, ann}}};
    CHECK(
      json::parse(
        http::answer_request_status(dup, false, request, bob).body)["status"]
      == "rejected");
  }
  SECTION("the 202 of a keyed attempt points at that attempt") {
    auto x = http::answer_async(
      caf::expected<outcome>{make_error(error_code::reply_timeout)}, request,
      bob);
    CHECK(header(x, "Location")
          == "/requests/" + request.value + "?name=b%C3%B6%20b%26%3D%3F");
    auto pending
      = http::answer_request_status(stored{std::nullopt}, true, request, bob);
    CHECK(header(pending, "Location") == header(x, "Location"));
  }
}

TEST_CASE("each 503 says why: draining, a limit, a failed publish or a "
          "dependency",
          "[answer]") {
  // Issue 14, item 13: every 503 had the same detail.
  auto detail = [](caf::error err) {
    auto x = answer_for(caf::expected<outcome>{std::move(err)}, request);
    CHECK(x.status == 503);
    CHECK(header(x, "Retry-After"));
    return json::parse(x.body)["detail"].get<std::string>();
  };
  std::set<std::string> details{
    detail(make_error(error_code::draining, "shutting down")),
    detail(make_error(error_code::overloaded, "too many requests in flight")),
    detail(make_error(error_code::publish_failed, internal_text)),
    detail(make_error(error_code::database_unavailable, internal_text)),
    detail(make_error(error_code::broker_unavailable, internal_text)),
  };
  CHECK(details.size() == 5);
  for (auto& x : details)
    CHECK(x.find("MySQL") == std::string::npos);
  CHECK(
    detail(make_error(error_code::overloaded, "too many requests in flight"))
      .find("too many requests in flight")
    != std::string::npos);
}

TEST_CASE("an attempt decided as a duplicate beside the ID's creation reads "
          "duplicated",
          "[answer]") {
  // Two workers decided two names of one key at once: a row for ann and a
  // recorded duplicate for bob, whose POST got 409. Its status must agree.
  using stored = caf::expected<std::optional<outcome>>;
  stored ann_created{
    outcome{user_created{request, user_uuid{user_text}, user_name{"ann"}}}};
  auto x = http::answer_request_status(ann_created, false, request,
                                       user_name{"bob"}, user_name{"bob"});
  CHECK(x.status == 200);
  CHECK(json::parse(x.body)["status"] == "duplicated");
  CHECK(json::parse(x.body)["name"] == "bob");
  // Another attempt still reads that it was refused.
  auto y = http::answer_request_status(ann_created, false, request,
                                       user_name{"cy"}, user_name{"bob"});
  CHECK(json::parse(y.body)["status"] == "rejected");
}

TEST_CASE("a status poll that names no request, or that cannot be read, and "
          "a lookup over the bound",
          "[answer]") {
  auto unknown = http::unknown_request_id();
  CHECK(unknown.status == 404);
  REQUIRE(header(unknown, "X-Request-Id"));
  CHECK(problem_body(unknown,
                     request_id{*header(unknown, "X-Request-Id")})["detail"]
        == "no request with this ID is known");
  auto malformed = http::malformed_status_query(request);
  CHECK(malformed.status == 400);
  CHECK(problem_body(malformed)["detail"] == "the query string is malformed");
  auto refused = http::lookups_refused(request);
  CHECK(refused.status == 503);
  CHECK(header(refused, "Retry-After") == "1");
  CHECK(problem_body(refused)["detail"]
        == "too many lookups are waiting for the database; try again");
}

TEST_CASE("a refused create-user request gets its status from the one "
          "mapping, with its own detail and request ID",
          "[answer]") {
  using semiasync::http::input_problem;
  auto [what, status] = GENERATE(
    std::make_pair(input_problem::invalid_idempotency_key, 400),
    std::make_pair(input_problem::invalid_body, 400),
    std::make_pair(input_problem::body_too_large, 413),
    std::make_pair(input_problem::not_json_media_type, 415),
    std::make_pair(input_problem::key_not_derivable, 500));
  request_id id{"0f8fad5b-d9cb-469f-a165-70867728950e"};
  auto x = semiasync::http::answer_rejection({id, what, "what is wrong"});
  CHECK(x.status == status);
  CHECK(x.content_type == "application/problem+json");
  auto doc = nlohmann::json::parse(x.body);
  CHECK(doc["detail"] == "what is wrong");
  CHECK(doc["requestId"] == id.value);
}
