#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// The longest name `users.name VARCHAR(255)` holds, in characters.
constexpr size_t max_user_name_chars = 255;

/// Why `text` is not an acceptable user name, or nothing when it is: valid
/// UTF-8 (no overlong forms, no surrogates), 1..255 characters, not blank,
/// no control characters.
std::optional<std::string> user_name_problem(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

} // namespace semiasync
