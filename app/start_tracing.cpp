#include "app/start_tracing.hpp"

#include "config/load.hpp"
#include "logging/log.hpp"

#include <iostream>

#include "tracing/exporter_loader.hpp"

namespace semiasync {

std::variant<std::shared_ptr<tracing::tracer>, int>
start_tracing(const config::settings& cfg, std::string_view service) {
  auto decision = tracing::decide_tracing(
    cfg.traces(), config::process_environment(), service);
  if (auto refused = std::get_if<tracing::tracing_refusal>(&decision)) {
    std::cerr << "semiasync: " << refused->message << "\n";
    return 2;
  }
  if (auto off = std::get_if<tracing::tracing_off>(&decision)) {
    log(log_level::debug, "tracing", "tracing is off: " + off->reason);
    return std::shared_ptr<tracing::tracer>{};
  }
  auto& options = std::get<tracing::tracing_options>(decision);
  auto loaded = tracing::load_exporting_tracer(
    options, [](bool error, std::string_view text) {
      log(error ? log_level::error : log_level::warn, "tracing", text);
    });
  if (auto why = std::get_if<std::string>(&loaded)) {
    // Asked for, and not to be had: starting without would hide it.
    log(log_level::error, "tracing", *why);
    return 1;
  }
  log(log_level::info, "tracing", tracing::describe(options));
  return std::get<std::shared_ptr<tracing::tracer>>(std::move(loaded));
}

} // namespace semiasync
