// semiasync: one binary, two processes (`server`, `consumer`/`worker`), as
// the Go reference has.

#include "app/commands.hpp"
#include "app/load_settings.hpp"
#include "app/signals.hpp"
#include "config/load.hpp"

#include <iostream>
#include <string>
#include <variant>
#include <vector>

int main(int argc, char** argv) {
  using namespace semiasync;
  // Before any thread exists, so every thread inherits the blocked mask.
  termination_signals signals;
  auto loaded = load_settings("semiasync", argc, argv);
  if (auto code = std::get_if<int>(&loaded)) return *code;
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
  start_logging(result.values);
  if (command == "server") return run_server(result.values, signals);
  if (command == "consumer" || command == "worker")
    return run_worker(result.values, signals);
  std::cerr << "semiasync: unknown command '" << command
            << "': expected server, consumer or worker\n";
  return 2;
}
