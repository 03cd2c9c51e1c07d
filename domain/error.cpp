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
  for (auto code = static_cast<uint8_t>(error_code::publish_failed);
       code <= static_cast<uint8_t>(error_code::listen_failed); ++code) {
    auto candidate = static_cast<error_code>(code);
    if (to_string(candidate) == name) return candidate;
  }
  return std::nullopt;
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

std::string detail_of(const caf::error& err) {
  if (!err) return {};
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

} // namespace semiasync
