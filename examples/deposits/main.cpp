// semiasync-deposits: the deposits example's worker (examples/deposits), the
// worker engine running deposit_handler. It reads the settings `semiasync`
// reads, so the same file, environment and flags configure both.

#include "app/load_settings.hpp"
#include "app/signals.hpp"
#include "app/worker_process.hpp"
#include "config/load.hpp"

#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "examples/deposits/deposit_handler.hpp"
#include "examples/deposits/mysql_deposit_repository.hpp"

namespace {

constexpr const char* usage = R"(Usage: semiasync-deposits [options]
The deposits example's worker: consumes deposit requests, applies them to
MariaDB (tables of examples/deposits/migrations) and publishes their
outcomes. It takes the settings of `semiasync consumer` below; where the
create-user defaults are left unchanged, its own apply instead:
  requestTopic  create_user_request_sent -> deposit_requested
  outcomeTopic  user                     -> deposit_outcomes
  workerGroup   semiasync-worker         -> semiasync-deposits
  (deadLetterTopic follows requestTopic: deposit_requested.dlq)
)";

/// The deposits example's topics and group where `cfg` keeps create-user's
/// defaults: one configuration file serves the gateway and this worker.
semiasync::worker_operation deposit_operation(semiasync::config::settings cfg) {
  const semiasync::config::settings defaults;
  if (cfg.request_topic == defaults.request_topic)
    cfg.request_topic = "deposit_requested";
  if (cfg.outcome_topic == defaults.outcome_topic)
    cfg.outcome_topic = "deposit_outcomes";
  if (cfg.worker_group == defaults.worker_group)
    cfg.worker_group = "semiasync-deposits";
  return {cfg.request_topic,
          cfg.outcome_topic,
          cfg.effective_dead_letter_topic(),
          cfg.worker_group,
          std::make_shared<semiasync::deposits::deposit_handler>(
            std::make_shared<semiasync::deposits::mysql_deposit_repository>(
              cfg.db_connection())),
          "deposit",
          "semiasync-deposits"};
}

} // namespace

int main(int argc, char** argv) {
  using namespace semiasync;
  // Before any thread exists, so every thread inherits the blocked mask.
  termination_signals signals;
  auto loaded = load_settings("semiasync-deposits", argc, argv);
  if (auto code = std::get_if<int>(&loaded)) return *code;
  auto& result = std::get<config::load_result>(loaded);
  if (result.help) {
    // The settings' text, without its own usage line: this binary takes no
    // command.
    auto settings_text = config::help_text("semiasync-deposits");
    if (settings_text.rfind("Usage:", 0) == 0)
      settings_text.erase(0, settings_text.find('\n') + 1);
    std::cout << usage << settings_text;
    return 0;
  }
  if (!result.positional.empty()) {
    std::cerr << "semiasync-deposits: unexpected argument '"
              << result.positional.front() << "'\n"
              << "Try 'semiasync-deposits --help'.\n";
    return 2;
  }
  start_logging(result.values);
  return run_worker_process(result.values, signals,
                            deposit_operation(result.values));
}
