#include "domain/idempotency_key.hpp"

#include "domain/uuid.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace semiasync {

namespace {

/// The bytes hashed for a key: the key alone when unscoped; else the
/// scope's length (8 bytes, big-endian), the scope, then the key. A scoped
/// message starts with a zero byte and a valid key never does (it is
/// printable ASCII), so no scoped key hashes like an unscoped one either.
std::string message_of(std::optional<std::string_view> scope,
                       std::string_view key) {
  if (!scope) return std::string{key};
  std::string result;
  result.reserve(8 + scope->size() + key.size());
  auto length = static_cast<uint64_t>(scope->size());
  for (int shift = 56; shift >= 0; shift -= 8)
    result += static_cast<char>((length >> shift) & 0xFF);
  result += *scope;
  result += key;
  return result;
}

std::string lower_hex_uuid(const unsigned char* bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) result += '-';
    result += digits[bytes[i] >> 4];
    result += digits[bytes[i] & 0x0F];
  }
  return result;
}

} // namespace

bool is_valid_idempotency_key(std::string_view key) {
  static constexpr size_t max_length = 255;
  if (key.empty() || key.size() > max_length) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c >= 0x21 && c <= 0x7E;
  });
}

std::optional<std::string>
request_id_of_key(std::string_view secret,
                  std::optional<std::string_view> scope, std::string_view key) {
  auto message = message_of(scope, key);
  if (secret.empty()) return name_based_uuid(message);
  if (secret.size() > static_cast<size_t>(INT_MAX)) return std::nullopt;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), mac, &mac_size)
        == nullptr
      || mac_size < 16)
    return std::nullopt;
  // RFC 9562 section 5.8: the first 128 bits, with version 8 and the
  // RFC variant in place of six of them.
  mac[6] = static_cast<unsigned char>((mac[6] & 0x0F) | 0x80);
  mac[8] = static_cast<unsigned char>((mac[8] & 0x3F) | 0x80);
  return lower_hex_uuid(mac);
}

} // namespace semiasync
