#pragma once

// Catch assertions on HTTP answers that several test files share.

#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/http_client.hpp"

namespace semiasync::testing {

/// The body parsed as JSON, failing the test when it is not.
inline nlohmann::json json_body(const http_response& resp) {
  auto doc = nlohmann::json::parse(resp.body, nullptr, false);
  INFO("body: " << resp.body);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

/// The answer's X-Request-Id, which must be a canonical UUID.
inline std::string request_id_of(const http_response& resp) {
  auto id = resp.header("X-Request-Id");
  REQUIRE(id);
  CHECK(is_canonical_uuid(*id));
  return *id;
}

/// An RFC 9457 problem with `status`, whose `requestId` equals the
/// answer's X-Request-Id (every problem names one).
inline void check_problem(const http_response& resp, int status) {
  INFO("status " << resp.status << ", body: " << resp.body);
  CHECK(resp.status == status);
  auto type = resp.header("Content-Type");
  REQUIRE(type);
  CHECK(type->rfind("application/problem+json", 0) == 0);
  auto doc = json_body(resp);
  REQUIRE(doc.is_object());
  CHECK(doc.value("type", nlohmann::json{}).is_string());
  CHECK(doc.value("title", nlohmann::json{}).is_string());
  CHECK(doc.value("status", nlohmann::json{}) == status);
  CHECK(doc.value("detail", nlohmann::json{}).is_string());
  auto id = request_id_of(resp);
  CHECK(doc.value("requestId", nlohmann::json{}) == id);
}

/// A 201 for `name`: JSON `{"uuid","name"}`, Location, X-Request-Id.
/// Returns the user's uuid.
inline std::string check_created(const http_response& resp,
                                 const std::string& name) {
  INFO("status " << resp.status << ", body: " << resp.body);
  REQUIRE(resp.status == 201);
  auto type = resp.header("Content-Type");
  REQUIRE(type);
  CHECK(type->rfind("application/json", 0) == 0);
  request_id_of(resp);
  auto doc = json_body(resp);
  REQUIRE(doc.is_object());
  REQUIRE(doc.contains("uuid"));
  REQUIRE(doc["uuid"].is_string());
  auto uuid = doc["uuid"].get<std::string>();
  CHECK(is_canonical_uuid(uuid));
  CHECK(doc.value("name", nlohmann::json{}) == name);
  CHECK(resp.header("Location") == "/users/" + uuid);
  return uuid;
}

} // namespace semiasync::testing
