#include "app/load_settings.hpp"

#include "logging/log.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace semiasync {

std::variant<config::load_result, int> load_settings(std::string_view program,
                                                     int argc, char** argv) {
  std::vector<std::string> args{argv + 1, argv + argc};
  auto loaded = config::load(args, config::process_environment());
  if (auto err = std::get_if<config::load_error>(&loaded)) {
    std::cerr << program << ": " << err->message << "\n"
              << "Try '" << program << " --help'.\n";
    return 2;
  }
  return std::get<config::load_result>(std::move(loaded));
}

void start_logging(const config::settings& values) {
  set_log_threshold(values.log_level);
  for (const auto& warning :
       config::environment_warnings(config::process_environment_names()))
    log(log_level::warn, "config", warning);
}

} // namespace semiasync
