#include "app/start_tracing.hpp"

#include "config/load.hpp"
#include "logging/log.hpp"

#include <iostream>

#include "tracing/otel_tracer.hpp"

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
  log(log_level::info, "tracing", tracing::describe(options));
  return tracing::make_exporting_tracer(options);
}

} // namespace semiasync
