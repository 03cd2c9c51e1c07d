#include "domain/uuid.hpp"

#include <uuid/uuid.h>

namespace semiasync {

namespace {

/// Namespace of semiasync's name-based UUIDs. Fixed forever: changing it
/// would map every existing Idempotency-Key to a new request ID.
constexpr const char* key_namespace = "6f1c1c53-0b8e-4c51-9a36-4a9f2f0d7a11";

std::string unparse(const uuid_t& id) {
  char text[37];
  uuid_unparse_lower(id, text);
  return std::string{text, 36};
}

} // namespace

std::string random_uuid() {
  uuid_t id;
  uuid_generate_random(id);
  return unparse(id);
}

std::string name_based_uuid(std::string_view name) {
  uuid_t ns;
  uuid_parse(key_namespace, ns);
  uuid_t id;
  uuid_generate_sha1(id, ns, name.data(), name.size());
  return unparse(id);
}

bool is_canonical_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string random_uuid_source::next() {
  return random_uuid();
}

} // namespace semiasync
