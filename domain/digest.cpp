#include "domain/digest.hpp"

#include <openssl/evp.h>

namespace semiasync {

std::optional<std::string> sha256_hex(std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), md, &size, EVP_sha256(), nullptr)
      != 1)
    return std::nullopt;
  std::string result;
  result.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    result += hex[md[i] >> 4];
    result += hex[md[i] & 0x0F];
  }
  return result;
}

} // namespace semiasync
