#include "config/load.hpp"

#include "config/nearest_name.hpp"
#include "config/route_settings.hpp"
#include "config/route_yaml.hpp"
#include "config/setting_table.hpp"
#include "config/yaml_line.hpp"
#include "domain/ascii_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace semiasync::config {

namespace {

const std::string config_flag = "--config";
const std::string config_env = "SEMIASYNC_CONFIG";

/// A value given for a setting and where it came from, for error messages.
/// For a secret's file variant, `text` is the path and `is_path` is set.
struct raw_value {
  std::string text;
  std::string origin;
  bool is_path = false;
};

/// Indexed like `setting_table()`; empty where the source gave nothing.
using raw_values = std::vector<std::optional<raw_value>>;

struct command_line {
  raw_values flags = raw_values(setting_table().size());
  /// Secrets given as `--<flag>-file=<path>`.
  raw_values flag_files = raw_values(setting_table().size());
  std::optional<std::string> config_path;
  std::vector<std::string> positional;
  bool help = false;
  std::optional<std::string> error; // The first one; --help overrides it.
};

bool is_long_option(const std::string& arg) {
  return arg.size() > 2 && arg.compare(0, 2, "--") == 0;
}

/// What a long option names.
struct flag_target {
  /// Index into setting_table(); table size for --config; -1: unknown.
  long index = -1;
  /// The option is a secret's file variant (`--db-password-file`).
  bool is_file = false;
};

flag_target find_flag(const std::string& name) {
  const auto& table = setting_table();
  if (name == config_flag) return {static_cast<long>(table.size())};
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (flag_name(table[i].key) == name) return {static_cast<long>(i)};
    if (table[i].secret && file_variant(flag_name(table[i].key)) == name)
      return {static_cast<long>(i), true};
  }
  return {};
}

/// "; did you mean --db-host?" after an unknown option within two edits of
/// a known one; nothing for options too far from any to be a typo.
std::string flag_suggestion(const std::string& name) {
  std::vector<std::string> flags{config_flag, "--help"};
  for (const auto& entry : setting_table()) {
    flags.push_back(flag_name(entry.key));
    if (entry.secret) flags.push_back(file_variant(flag_name(entry.key)));
  }
  auto nearest = find_nearest(name, flags);
  if (nearest.distance > 2) return {};
  return "; did you mean " + nearest.name + "?";
}

command_line parse_args(const std::vector<std::string>& args) {
  command_line result;
  auto fail = [&](std::string message) {
    if (!result.error) result.error = std::move(message);
  };
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      result.positional.push_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "-h" || arg == "--help") {
      result.help = true;
    } else if (!is_long_option(arg)) {
      fail("unknown option " + arg);
    } else {
      auto eq = arg.find('=');
      auto name = arg.substr(0, eq);
      auto target = find_flag(name);
      auto index = target.index;
      if (index < 0) {
        fail("unknown option " + name + flag_suggestion(name));
        continue;
      }
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size() && !is_long_option(args[i + 1])) {
        value = args[++i];
      } else {
        fail("option " + name + " needs a value");
        continue;
      }
      if (static_cast<std::size_t>(index) == result.flags.size())
        result.config_path = std::move(value);
      else if (target.is_file)
        result.flag_files[index]
          = raw_value{std::move(value), "flag " + name, true};
      else
        result.flags[index] = raw_value{std::move(value), "flag " + name};
    }
  }
  return result;
}

problem node_text(const YAML::Node& node, bool list_allowed, bool map_allowed,
                  std::string& out) {
  out.clear();
  if (node.IsNull()) return std::nullopt;
  if (node.IsScalar()) {
    out = node.Scalar();
    return std::nullopt;
  }
  if (map_allowed && node.IsMap()) {
    for (const auto& item : node) {
      if (!item.first.IsScalar() || !item.second.IsScalar())
        return "expected a map of single values";
      if (!out.empty()) out += ';';
      out += item.first.Scalar() + "=" + item.second.Scalar();
    }
    return std::nullopt;
  }
  if (!list_allowed || !node.IsSequence()) return "expected a single value";
  std::size_t count = 0;
  for (const auto& item : node) {
    if (!item.IsScalar()) return "expected a list of single values";
    if (count++ > 0) out += ',';
    out += item.Scalar();
  }
  return std::nullopt;
}

/// The key of the routes list in a config file; not a setting, so it has
/// no flag and no environment variable.
const std::string routes_key = "routes";

/// What a YAML key names: a setting, or a secret's file variant.
struct key_target {
  std::size_t index = 0;
  bool is_file = false;
};

/// Every key a config file may hold, by its lower-cased spelling: the
/// reference's config library (viper) lower-cases keys, so a file its users
/// wrote with `DBHost` means our `dbHost`.
const std::map<std::string, key_target>& keys_by_folded_name() {
  static const auto keys = [] {
    std::map<std::string, key_target> result;
    const auto& table = setting_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
      result[ascii_lowercase(table[i].key)] = {i, false};
      if (table[i].secret)
        result[ascii_lowercase(file_variant(table[i].key))] = {i, true};
    }
    return result;
  }();
  return keys;
}

/// Every key a config file may hold, spelt as --help spells it.
std::vector<std::string> known_keys() {
  std::vector<std::string> result{routes_key};
  for (const auto& entry : setting_table()) {
    result.push_back(entry.key);
    if (entry.secret) result.push_back(file_variant(entry.key));
  }
  return result;
}

/// What a config file gives: settings, and perhaps routes.
struct file_contents {
  /// Indexed like `setting_table()`.
  raw_values values = raw_values(setting_table().size());
  /// The `routes:` list, when the file has one.
  std::optional<std::vector<route_spec>> routes;
};

std::variant<file_contents, load_error> read_file(const std::string& path) {
  auto where = "config file '" + path + "'";
  file_contents contents;
  auto& result = contents.values;
  try {
    auto root = YAML::LoadFile(path);
    if (root.IsNull()) return contents; // An empty file changes nothing.
    if (!root.IsMap())
      return load_error{where + ": expected a map of settings at top level"};
    // An unknown key is refused rather than skipped: a misspelt one would
    // otherwise leave its setting at the default without a word.
    const auto& keys = keys_by_folded_name();
    const auto& table = setting_table();
    raw_values paths(table.size());
    std::map<std::string, std::string> seen; // Folded key -> key as written.
    for (const auto& item : root) {
      const auto& key_node = item.first;
      if (!key_node.IsScalar())
        return load_error{where + line_of(key_node)
                          + ": a key must be a plain setting name"};
      const auto& key = key_node.Scalar();
      auto folded = ascii_lowercase(key);
      if (folded == routes_key) {
        if (contents.routes)
          return load_error{where + line_of(key_node)
                            + ": key 'routes' is given twice"};
        auto parsed = parse_routes(item.second);
        if (auto why = std::get_if<std::string>(&parsed))
          return load_error{where + ": " + *why};
        contents.routes = std::get<std::vector<route_spec>>(std::move(parsed));
        continue;
      }
      auto found = keys.find(folded);
      if (found == keys.end())
        return load_error{"unknown setting '" + key + "' in " + where
                          + line_of(key_node) + "; did you mean '"
                          + find_nearest(key, known_keys()).name + "'?"};
      auto [first, fresh] = seen.emplace(folded, key);
      if (!fresh)
        return load_error{
          where + line_of(key_node) + ": "
          + (first->second == key
               ? "key '" + key + "' is given twice"
               : "keys '" + first->second + "' and '" + key
                   + "' name the same setting (keys match ignoring case)")};
      auto [index, is_path] = found->second;
      std::string text;
      if (auto why
          = node_text(item.second, table[index].list_allowed && !is_path,
                      table[index].map_allowed && !is_path, text))
        return load_error{where + ", key " + key + ": " + *why};
      auto& slot = is_path ? paths[index] : result[index];
      slot = raw_value{std::move(text), where, is_path};
    }
    // A secret may name a file instead (`dbPasswordFile`); the value itself
    // wins when both are given.
    for (std::size_t i = 0; i < table.size(); ++i)
      if (!result[i]) result[i] = std::move(paths[i]);
  } catch (const YAML::BadFile&) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    return load_error{"cannot read " + where
                      + (exists ? "" : ": no such file")};
  } catch (const YAML::Exception& e) {
    return load_error{where + ": " + e.what()};
  }
  return contents;
}

std::optional<raw_value> from_env(const env_lookup& env,
                                  const std::string& name) {
  // Empty counts as unset: compose files often expand unset variables to "".
  auto text = env(name);
  if (!text || text->empty()) return std::nullopt;
  return raw_value{std::move(*text), "environment " + name};
}

/// A secret's file variant from the environment (`SEMIASYNC_..._FILE`).
std::optional<raw_value> file_from_env(const env_lookup& env,
                                       const std::string& name) {
  auto given = from_env(env, file_variant(name));
  if (given) given->is_path = true;
  return given;
}

/// The value itself, or the contents of the file it names: one trailing
/// newline stripped, since `echo secret > file` adds one.
std::variant<std::string, load_error> resolve(const raw_value& given,
                                              const std::string& key) {
  if (!given.is_path) return given.text;
  std::ifstream in{given.text, std::ios::binary};
  if (!in)
    return load_error{"cannot read the file for " + key + " named by "
                      + given.origin + ": '" + given.text + "'"};
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

/// Takes the routes from the config file or from routesFile; both at once
/// would leave one list silently unused.
std::optional<load_error>
load_routes(settings& values, std::optional<std::vector<route_spec>> in_file,
            const std::optional<std::string>& config_path) {
  if (values.routes_file.empty()) {
    if (in_file) values.routes = std::move(*in_file);
    return std::nullopt;
  }
  if (in_file)
    return load_error{"routes are given twice: in config file '"
                      + config_path.value_or("") + "' (key routes) and in "
                      + "routesFile '" + values.routes_file + "'"};
  auto read = read_routes_file(values.routes_file);
  if (auto why = std::get_if<std::string>(&read)) return load_error{*why};
  values.routes = std::get<std::vector<route_spec>>(std::move(read));
  return std::nullopt;
}

load_outcome load_unchecked(const std::vector<std::string>& args,
                            const env_lookup& env) {
  auto line = parse_args(args);
  if (line.help)
    return load_result{settings{}, std::move(line.positional), true};
  if (line.error) return load_error{*line.error};
  if (!line.config_path)
    if (auto given = from_env(env, config_env)) line.config_path = given->text;
  file_contents from_file;
  if (line.config_path) {
    auto read = read_file(*line.config_path);
    if (auto* error = std::get_if<load_error>(&read)) return *error;
    from_file = std::move(std::get<file_contents>(read));
  }
  auto& file = from_file.values;
  load_result result;
  result.positional = std::move(line.positional);
  const auto& table = setting_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    auto chosen = line.flags[i];
    if (!chosen) chosen = line.flag_files[i];
    if (!chosen) chosen = from_env(env, env_name(table[i].key));
    if (!chosen && table[i].secret)
      chosen = file_from_env(env, env_name(table[i].key));
    if (!chosen) chosen = file[i];
    if (!chosen) continue;
    auto text = resolve(*chosen, table[i].key);
    if (auto* error = std::get_if<load_error>(&text)) return *error;
    if (auto why
        = table[i].assign(result.values, std::get<std::string>(text))) {
      auto shown = table[i].secret ? "" : " '" + chosen->text + "'";
      return load_error{"invalid " + table[i].key + shown + " from "
                        + chosen->origin + ": " + *why};
    }
  }
  if (auto error = load_routes(result.values, std::move(from_file.routes),
                               line.config_path))
    return *error;
  if (auto why = check_consistency(result.values)) return load_error{*why};
  if (auto why = check_routes(result.values)) return load_error{*why};
  return result;
}

} // namespace

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return value;
    return std::nullopt;
  };
}

std::vector<std::string> process_environment_names() {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    result.emplace_back(text.substr(0, text.find('=')));
  }
  return result;
}

std::vector<std::string>
environment_warnings(const std::vector<std::string>& names) {
  // Warned about, not refused: the SEMIASYNC_ prefix is shared with the
  // project's own scripts and tests (SEMIASYNC_ROOT, SEMIASYNC_TEST_KAFKA,
  // SEMIASYNC_PARTITIONS, ...), which every child process inherits, so
  // refusing unknown names would stop the binary under its own tooling.
  // Only names within two edits of a variable we read are taken for typos:
  // every such tooling name lies five or more edits from the nearest one.
  static constexpr std::size_t typo_distance = 2;
  static const std::string prefix = "SEMIASYNC_";
  static const std::string file_suffix = "_FILE";
  std::vector<std::string> read{config_env};
  std::set<std::string> plain; // Settings without a _FILE variant.
  for (const auto& entry : setting_table()) {
    read.push_back(env_name(entry.key));
    if (entry.secret)
      read.push_back(file_variant(env_name(entry.key)));
    else
      plain.insert(env_name(entry.key));
  }
  std::vector<std::string> result;
  for (const auto& name : names) {
    if (name.size() < prefix.size()
        || !equals_ignoring_ascii_case(name.substr(0, prefix.size()), prefix)
        || std::find(read.begin(), read.end(), name) != read.end())
      continue;
    auto ignored = "environment variable " + name + " is ignored: ";
    if (name.size() > file_suffix.size()
        && name.compare(name.size() - file_suffix.size(), file_suffix.size(),
                        file_suffix)
             == 0
        && plain.count(name.substr(0, name.size() - file_suffix.size()))) {
      result.push_back(
        ignored + "only secrets have a " + file_suffix + " variant; set "
        + name.substr(0, name.size() - file_suffix.size()) + " itself");
      continue;
    }
    auto nearest = find_nearest(name, read);
    if (nearest.distance <= typo_distance)
      result.push_back(ignored + "no setting reads it; did you mean "
                       + nearest.name + "?");
  }
  return result;
}

load_outcome load(const std::vector<std::string>& args, const env_lookup& env) {
  // Errors are values: nothing may escape, not even from the injected lookup.
  try {
    return load_unchecked(args, env);
  } catch (const std::exception& e) {
    return load_error{std::string{"cannot load settings: "} + e.what()};
  }
}

std::string help_text(std::string_view program) {
  std::string out = "Usage: " + std::string{program}
                    + " [options] <server|consumer|worker>\n\n"
                      "Each setting comes from, first found: flag, "
                      "environment, --config file, default.\n\n"
                      "  "
                    + config_flag + "=<file.yaml>\n      env " + config_env
                    + "\n      YAML file with the settings below, by key\n"
                      "  -h, --help\n      print this text\n";
  settings defaults;
  for (const auto& entry : setting_table()) {
    out += "\n  " + flag_name(entry.key) + "=" + entry.hint;
    out += "\n      env " + env_name(entry.key) + ", yaml " + entry.key;
    if (entry.secret) {
      // Only compiled-in defaults reach this text, never a configured
      // value; still, a secret's default is shown only when it is empty or
      // declared public (the demo's password), so the text stays true.
      auto value = entry.show(defaults);
      out += ", secret, default ";
      if (value.empty())
        out += "(empty)";
      else if (!entry.public_default.empty())
        out += value + " (" + entry.public_default + ")";
      else
        out += "not shown";
      out += "\n      or from a file: " + file_variant(flag_name(entry.key))
             + ", " + file_variant(env_name(entry.key)) + ", yaml "
             + file_variant(entry.key);
    } else {
      auto value = entry.show(defaults);
      out += ", default " + (value.empty() ? "(empty)" : value);
    }
    out += "\n      " + entry.description + "\n";
  }
  return out + route_keys_help();
}

} // namespace semiasync::config
