#include "domain/sha256.hpp"

#include <openssl/sha.h>

namespace semiasync {

std::string sha256(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string sha256_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char c : sha256(bytes)) {
    result += digits[c >> 4];
    result += digits[c & 0x0F];
  }
  return result;
}

} // namespace semiasync
