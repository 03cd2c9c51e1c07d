#pragma once

#include <string>
#include <string_view>

namespace semiasync {

/// The SHA-256 digest of `bytes`: 32 raw bytes.
std::string sha256(std::string_view bytes);

/// The SHA-256 digest of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

} // namespace semiasync
