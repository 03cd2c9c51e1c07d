#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// The SHA-256 of `data` as 64 lower-case hex digits; nothing only when
/// OpenSSL fails.
std::optional<std::string> sha256_hex(std::string_view data);

} // namespace semiasync
