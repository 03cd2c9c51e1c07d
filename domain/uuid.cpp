#include "domain/uuid.hpp"

#include <sys/random.h>
#include <uuid/uuid.h>

#include <cerrno>
#include <cstddef>

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

/// Fills `id` from the kernel's CSPRNG; false if it cannot (no getrandom).
bool fill_random(uuid_t& id) {
  size_t filled = 0;
  while (filled < sizeof(uuid_t)) {
    auto n = getrandom(id + filled, sizeof(uuid_t) - filled, 0);
    if (n > 0)
      filled += static_cast<size_t>(n);
    else if (n == 0 || errno != EINTR)
      return false;
  }
  return true;
}

} // namespace

std::string random_uuid() {
  uuid_t id;
  // getrandom(2) directly rather than libuuid's uuid_generate_random,
  // which also reseeds random(3) on every call (srandom, under glibc's
  // process-wide lock): 1.4 % of the server's CPU under load, for bits it
  // only mixes into the kernel's. Request IDs must not be guessable (they
  // read an outcome at GET /requests/<id>), so no userspace PRNG either.
  if (!fill_random(id)) {
    uuid_generate_random(id);
    return unparse(id);
  }
  id[6] = static_cast<unsigned char>((id[6] & 0x0F) | 0x40); // version 4
  id[8] = static_cast<unsigned char>((id[8] & 0x3F) | 0x80); // RFC 4122
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
