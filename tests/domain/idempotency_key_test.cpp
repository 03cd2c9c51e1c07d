#include "domain/idempotency_key.hpp"
#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace semiasync;

namespace {

const std::string secret = "0123456789abcdef";

/// The ID, or a test failure when it could not be derived.
std::string id_of(std::string_view key_secret,
                  std::optional<std::string_view> scope, std::string_view key) {
  auto id = request_id_of_key(key_secret, scope, key);
  REQUIRE(id);
  CHECK(is_canonical_uuid(*id));
  return *id;
}

} // namespace

TEST_CASE("without secret or scope, a key's ID is today's UUIDv5",
          "[idempotency_key]") {
  // Clients that retried before the settings existed keep their IDs.
  for (const auto& key :
       std::vector<std::string>{"order-42", "k", std::string(255, '~')}) {
    CAPTURE(key);
    CHECK(id_of("", std::nullopt, key) == name_based_uuid(key));
  }
  CHECK(id_of("", std::nullopt, "order-42")
        == "30104f5a-6842-520c-9d75-198b34cad271");
}

TEST_CASE("known answers, computed outside semiasync", "[idempotency_key]") {
  // Python: hmac.new(b"0123456789abcdef", msg, hashlib.sha256), first 16
  // bytes with version 8 and the RFC variant set; `openssl dgst -sha256
  // -hmac 0123456789abcdef` gives the same digests. A scoped message is
  // struct.pack(">Q", len(scope)) + scope + key; uuid5 hashes it the same.
  SECTION("keyed, unscoped: HMAC 4b705038653bde278ff923c7...") {
    CHECK(id_of(secret, std::nullopt, "order-42")
          == "4b705038-653b-8e27-8ff9-23c72818ed33");
  }
  SECTION("keyed, scoped by client-a: HMAC 9073385874f6...") {
    CHECK(id_of(secret, "client-a", "order-42")
          == "90733858-74f6-85f1-a411-ba571033f31b");
  }
  SECTION("not keyed, scoped by client-a") {
    CHECK(id_of("", "client-a", "order-42")
          == "1b67bde9-c1de-58b4-9094-3e81680d74a5");
  }
  SECTION("not keyed, in the anonymous scope") {
    CHECK(id_of("", "", "order-42") == "fc6c6534-0ed9-5172-92ca-ff4a7446db9e");
  }
}

TEST_CASE("a secret gives a version 8 UUID that depends on it",
          "[idempotency_key]") {
  auto id = id_of(secret, std::nullopt, "order-42");
  CHECK(id[14] == '8');
  CHECK(std::string{"89ab"}.find(id[19]) != std::string::npos);
  CHECK(id != name_based_uuid("order-42"));
  CHECK(id != id_of("0123456789abcdeF", std::nullopt, "order-42"));
  CHECK(id != id_of(secret, std::nullopt, "order-43"));
}

TEST_CASE("two instances with the same settings derive the same ID",
          "[idempotency_key]") {
  // A pure function of (secret, scope, key): nothing per process, so a
  // retry on another instance finds the original request. The inputs of the
  // second "instance" are separate copies, not the same buffers.
  std::string other_secret{secret};
  std::string other_scope{"client-a"};
  std::string other_key{"order-42"};
  for (std::string_view s : {std::string_view{}, std::string_view{secret}}) {
    CAPTURE(s);
    auto first = id_of(s, "client-a", "order-42");
    auto second = id_of(s.empty() ? std::string_view{} : other_secret,
                        std::string_view{other_scope}, other_key);
    CHECK(first == second);
    CHECK(id_of(s, std::nullopt, "order-42")
          == id_of(s.empty() ? std::string_view{} : other_secret, std::nullopt,
                   other_key));
  }
}

TEST_CASE("the scope separates clients", "[idempotency_key]") {
  for (std::string_view s : {std::string_view{}, std::string_view{secret}}) {
    CAPTURE(s);
    SECTION("different clients, one key") {
      CHECK(id_of(s, "client-a", "order-42")
            != id_of(s, "client-b", "order-42"));
    }
    SECTION("the anonymous scope is a scope of its own") {
      CHECK(id_of(s, "", "order-42") != id_of(s, std::nullopt, "order-42"));
      CHECK(id_of(s, "", "order-42") != id_of(s, "client-a", "order-42"));
    }
    SECTION("the scope's length is hashed in: (ab, c) != (a, bc)") {
      CHECK(id_of(s, "ab", "c") != id_of(s, "a", "bc"));
      CHECK(id_of(s, "", "abc") != id_of(s, "a", "bc"));
    }
    SECTION("a scope is not a prefix of the key") {
      CHECK(id_of(s, "client-a", "order-42")
            != id_of(s, std::nullopt, "client-aorder-42"));
    }
  }
}
