#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace semiasync;

TEST_CASE("random_uuid is canonical and fresh", "[uuid]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = random_uuid();
    CAPTURE(id);
    CHECK(is_canonical_uuid(id));
    CHECK(id[14] == '4');                                         // version 4
    CHECK(std::string{"89ab"}.find(id[19]) != std::string::npos); // RFC variant
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
  random_uuid_source source;
  auto x = source.next();
  auto y = source.next();
  CHECK(is_canonical_uuid(x));
  CHECK(x != y);
}

TEST_CASE("random_uuid's random digits all vary", "[uuid]") {
  // 122 random bits: every hex digit but the version and the two fixed
  // variant bits takes many values over a few hundred UUIDs.
  std::vector<std::set<char>> digits(36);
  for (int i = 0; i < 400; ++i) {
    auto id = random_uuid();
    for (size_t k = 0; k < id.size(); ++k)
      digits[k].insert(id[k]);
  }
  for (size_t k = 0; k < digits.size(); ++k) {
    CAPTURE(k);
    if (k == 8 || k == 13 || k == 18 || k == 23)
      CHECK(digits[k] == std::set<char>{'-'});
    else if (k == 14)
      CHECK(digits[k] == std::set<char>{'4'});
    else if (k == 19)
      CHECK(digits[k] == std::set<char>{'8', '9', 'a', 'b'});
    else
      CHECK(digits[k].size() >= 12);
  }
}

TEST_CASE("name_based_uuid is a deterministic version 5 UUID", "[uuid]") {
  auto key = GENERATE(as<std::string>{}, "a", "order-42", "\xC3\xA9t\xC3\xA9",
                      std::string(255, 'k'), "");
  CAPTURE(key);
  auto id = name_based_uuid(key);
  CAPTURE(id);
  CHECK(is_canonical_uuid(id));
  CHECK(id[14] == '5');
  CHECK(std::string{"89ab"}.find(id[19]) != std::string::npos);
  CHECK(name_based_uuid(key) == id);
  CHECK(name_based_uuid(key + "x") != id);
}

TEST_CASE("name_based_uuid separates keys", "[uuid]") {
  CHECK(name_based_uuid("key-1") != name_based_uuid("key-2"));
  CHECK(name_based_uuid("Key") != name_based_uuid("key"));
  // The namespace is fixed forever: this value must never change, or every
  // Idempotency-Key a client already used would map to a new request ID.
  // Values computed independently (Python's uuid.uuid5 in namespace
  // 6f1c1c53-0b8e-4c51-9a36-4a9f2f0d7a11).
  CHECK(name_based_uuid("semiasync") == "fc3d5623-c8e3-55ad-8e18-12eeb0d2fe2d");
  CHECK(name_based_uuid("order-42") == "30104f5a-6842-520c-9d75-198b34cad271");
}

TEST_CASE("is_canonical_uuid accepts only the lower-case 36-char form",
          "[uuid]") {
  CHECK(is_canonical_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(is_canonical_uuid("00000000-0000-0000-0000-000000000000"));
  auto bad = GENERATE(as<std::string>{}, "",
                      "0F8FAD5B-D9CB-469F-A165-70867728950E",  // upper case
                      "0f8fad5b-d9cb-469f-a165-70867728950E",  // one upper
                      "0f8fad5b-d9cb-469f-a165-70867728950",   // 35 chars
                      "0f8fad5b-d9cb-469f-a165-70867728950e0", // 37 chars
                      "0f8fad5bd9cb469fa16570867728950e",      // no dashes
                      "0f8fad5b-d9cb-469fa-165-70867728950e",  // dash moved
                      "0f8fad5bd-9cb-469f-a165-70867728950e",  // dash moved
                      "0f8fad5b-d9cb-469f-a165_70867728950e", // wrong separator
                      "{f8fad5b-d9cb-469f-a165-70867728950}", // braces
                      "0f8fad5b-d9cb-469f-a165-7086772895g0", // not hex
                      " 0f8fad5b-d9cb-469f-a165-70867728950e");
  CAPTURE(bad);
  CHECK_FALSE(is_canonical_uuid(bad));
}
