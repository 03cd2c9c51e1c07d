#pragma once

#include "config/problem.hpp"
#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync::config {

/// One setting, declared once: its env name, flag and --help entry derive
/// from `key`, so the three can never drift apart.
struct setting {
  /// YAML key in camelCase, e.g. `dbHost`.
  std::string key;
  /// One line for --help.
  std::string description;
  /// Placeholder for the value in --help, e.g. `<port>`.
  std::string hint;
  /// Secrets' configured values never appear in --help or in error
  /// messages; --help shows a secret's default only when it is empty or
  /// `public_default` says why it is public.
  bool secret = false;
  /// For a secret whose default is a published value (the local demo's
  /// password): the note --help prints beside it. Empty: not shown.
  std::string public_default;
  /// Whether the YAML file may give a list, joined with ','.
  bool list_allowed = false;
  /// Whether the YAML file may give a map, joined as "key=value;...".
  bool map_allowed = false;
  /// Parses and validates `text`, storing it into the struct on success.
  std::function<problem(settings&, const std::string& text)> assign;
  /// Renders the current value for --help.
  std::function<std::string(const settings&)> show;
};

/// Every setting of both processes, in --help order.
const std::vector<setting>& setting_table();

/// `dbHost` -> `SEMIASYNC_DB_HOST`.
std::string env_name(std::string_view key);

/// `dbHost` -> `--db-host`.
std::string flag_name(std::string_view key);

/// Where a secret may also be read from a file, by the name of its direct
/// source: `SEMIASYNC_DB_PASSWORD` -> `SEMIASYNC_DB_PASSWORD_FILE`,
/// `--db-password` -> `--db-password-file`, `dbPassword` ->
/// `dbPasswordFile`.
std::string file_variant(std::string_view name);

/// Checks the rules that span several settings, naming the keys involved.
problem check_consistency(const settings& values);

/// Why Kafka would refuse `text` as a topic name (empty is for the caller
/// to judge); nothing when it is a valid name. Failing at start names the
/// setting instead of a broker error later.
problem kafka_topic_problem(std::string_view text);

} // namespace semiasync::config
