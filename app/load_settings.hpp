#pragma once

// The start every semiasync binary shares: settings from the command line,
// the environment and the config file, refused in one line with the exit
// code 2; then logging as the settings ask.

#include "config/load.hpp"

#include <string_view>
#include <variant>

namespace semiasync {

/// The loaded settings, or the exit code once a refusal was printed to
/// stderr (2, followed by "Try '<program> --help'.").
std::variant<config::load_result, int> load_settings(std::string_view program,
                                                     int argc, char** argv);

/// Sets the log threshold and logs a warning for each environment variable
/// that looks like a misspelt setting.
void start_logging(const config::settings& values);

} // namespace semiasync
