#include "domain/error.hpp"

#include <caf/atom.hpp>

namespace semiasync {

std::string to_string(error_code code) {
  switch (code) {
    case error_code::none: return "none";
    case error_code::publish_failed: return "publish_failed";
    case error_code::publish_uncertain: return "publish_uncertain";
    case error_code::reply_timeout: return "reply_timeout";
    case error_code::malformed_record: return "malformed_record";
    case error_code::database_unavailable: return "database_unavailable";
    case error_code::database_rejected: return "database_rejected";
    case error_code::request_id_conflict: return "request_id_conflict";
    case error_code::draining: return "draining";
    case error_code::overloaded: return "overloaded";
    case error_code::broker_unavailable: return "broker_unavailable";
    case error_code::component_failed: return "component_failed";
    case error_code::invalid_setting: return "invalid_setting";
    case error_code::listen_failed: return "listen_failed";
  }
  return "unknown";
}

std::optional<error_code> error_code_from_string(std::string_view name) {
  // Every code after `none` has a name; the first value without one is past
  // the last code, so a new code is found here without touching this loop.
  for (uint8_t code = 1;; ++code) {
    auto candidate = static_cast<error_code>(code);
    auto text = to_string(candidate);
    if (text == "unknown") return std::nullopt;
    if (text == name) return candidate;
  }
}

caf::error make_error(error_code code, std::string detail) {
  if (detail.empty()) return caf::error{code};
  return caf::error{code, std::move(detail)};
}

error_code code_of(const caf::error& err) {
  // An empty error has no category to ask (CAF 0.17 dereferences it).
  if (!err) return error_code::none;
  if (err.category() != caf::atom("semiasync")) return error_code::none;
  return static_cast<error_code>(err.code());
}

std::string reason_of(const caf::error& err) {
  auto detail = detail_of(err);
  return detail.empty() ? to_string(code_of(err)) : detail;
}

std::string detail_of(const caf::error& err) {
  if (!err) return {};
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

std::string kind_of(const caf::error& err) {
  auto code = code_of(err);
  return code != error_code::none ? to_string(code) : to_string(err);
}

} // namespace semiasync
