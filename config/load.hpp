#pragma once

#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace semiasync::config {

/// Reads the process environment; injected so tests never touch the real one.
using env_lookup
  = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
env_lookup process_environment();

/// What the command line asked for.
struct load_result {
  /// The merged settings.
  settings values;
  /// Arguments that are not options, e.g. the subcommand "server".
  std::vector<std::string> positional;
  /// --help or -h was given; `values` then holds only the defaults.
  bool help = false;
};

/// Why loading failed, naming the key, flag, variable or file at fault.
struct load_error {
  /// A one-line message for the user.
  std::string message;
};

/// Either the loaded settings or why loading failed.
using load_outcome = std::variant<load_result, load_error>;

/// The names of the process's environment variables.
std::vector<std::string> process_environment_names();

/// One log line for each of `names` (environment variable names) that looks
/// like a misspelt setting variable and is therefore ignored: within two
/// edits of a SEMIASYNC_ name we read, or a `_FILE` variant of a setting
/// that is no secret. Other SEMIASYNC_ names belong to the project's
/// scripts and tests and pass without a word.
std::vector<std::string>
environment_warnings(const std::vector<std::string>& names);

/// Loads settings: defaults < --config file < environment < flags.
/// Config keys match ignoring case, as the reference's config library
/// matches them; an unknown key, or one setting given twice, is an error
/// naming the key (and the nearest known key).
/// `args` are the arguments after the program name (argv + 1 .. argv + argc).
/// The file comes from `--config=<file>`, `--config <file>` or
/// SEMIASYNC_CONFIG. Never throws; `--` ends the options.
load_outcome load(const std::vector<std::string>& args, const env_lookup& env);

/// The --help text: every setting with its flag, env name, YAML key, default
/// and description. A secret's default shows only when it is empty or
/// declared public (the local demo's database password).
std::string help_text(std::string_view program);

} // namespace semiasync::config
