#pragma once

#include <cstddef>
#include <string>

namespace semiasync::testing {

/// `text` repeated `n` times, for names and bodies of a given length.
inline std::string repeat(const std::string& text, size_t n) {
  std::string result;
  result.reserve(text.size() * n);
  for (size_t i = 0; i < n; ++i)
    result += text;
  return result;
}

} // namespace semiasync::testing
