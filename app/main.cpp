// semiasync: one binary, two processes (`server`, `consumer`/`worker`), as
// the Go reference has.

#include "app/commands.hpp"
#include "app/signals.hpp"
#include "config/load.hpp"
#include "logging/log.hpp"

#include <iostream>
#include <string>
#include <variant>
#include <vector>

int main(int argc, char** argv) {
  using namespace semiasync;
  // Before any thread exists, so every thread inherits the blocked mask.
  termination_signals signals;
  std::vector<std::string> args{argv + 1, argv + argc};
  auto loaded = config::load(args, config::process_environment());
  if (auto err = std::get_if<config::load_error>(&loaded)) {
    std::cerr << "semiasync: " << err->message << "\n"
              << "Try 'semiasync --help'.\n";
    return 2;
  }
  auto& result = std::get<config::load_result>(loaded);
  if (result.help) {
    std::cout << config::help_text("semiasync");
    return 0;
  }
  if (result.positional.size() != 1) {
    std::cerr << "semiasync: expected one command: server, consumer or worker\n"
              << "Try 'semiasync --help'.\n";
    return 2;
  }
  auto& command = result.positional.front();
  set_log_threshold(result.values.log_level);
  for (const auto& warning :
       config::environment_warnings(config::process_environment_names()))
    log(log_level::warn, "config", warning);
  if (command == "server") return run_server(result.values, signals);
  if (command == "consumer" || command == "worker")
    return run_worker(result.values, signals);
  std::cerr << "semiasync: unknown command '" << command
            << "': expected server, consumer or worker\n";
  return 2;
}
