#pragma once

#include <optional>
#include <string>

namespace semiasync::config {

/// Why a value was rejected; empty when it was accepted.
using problem = std::optional<std::string>;

} // namespace semiasync::config
