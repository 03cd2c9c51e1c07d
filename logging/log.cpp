#include "logging/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

namespace semiasync {

namespace {

/// See `set_log_threshold`.
std::atomic<log_level> threshold{log_level::info};

/// UTC time with milliseconds, ISO 8601.
std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

} // namespace

void set_log_threshold(log_level level) {
  threshold.store(level, std::memory_order_relaxed);
}

void log(log_level level, std::string_view component, std::string_view message,
         std::string_view request_id) {
  log(level, component, message, log_context{request_id, {}, {}});
}

void log(log_level level, std::string_view component, std::string_view message,
         const log_context& context) {
  if (level < threshold.load(std::memory_order_relaxed)) return;
  nlohmann::json line{{"ts", timestamp()},
                      {"level", log_level_name(level)},
                      {"component", component},
                      {"msg", message}};
  if (!context.request_id.empty()) line["requestId"] = context.request_id;
  if (!context.trace_id.empty()) line["traceId"] = context.trace_id;
  if (!context.span_id.empty()) line["spanId"] = context.span_id;
  // Replace invalid UTF-8 rather than throw: messages may quote bad input.
  auto text
    = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  // A failed write to stderr has nowhere to be reported.
  [[maybe_unused]] auto written
    = ::write(STDERR_FILENO, text.data(), text.size());
}

} // namespace semiasync
