#include "http/route_answer.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/text_format.hpp"

namespace semiasync::http {

answer not_found() {
  return fresh_problem(404, "no such resource");
}

answer method_not_allowed(const char* allowed) {
  return fresh_problem(405, std::string{"allowed: "} + allowed, allowed);
}

answer healthy() {
  return json_answer(200, R"({"status":"ok"})");
}

answer readiness(bool draining,
                 const std::function<std::optional<std::string>()>& not_ready) {
  auto reason = draining ? std::optional<std::string>{"draining"} : not_ready();
  if (!reason) return json_answer(200, R"({"status":"ready"})");
  // Not a problem: probes and dashboards read `status` as a word.
  nlohmann::json doc{{"status", "not ready"}, {"reason", *reason}};
  return {503,
          doc.dump(),
          "application/json",
          {{"Retry-After", retry_after_seconds}}};
}

answer metrics_text(std::string rendered) {
  return {200, std::move(rendered), metrics::text::content_type, {}};
}

} // namespace semiasync::http
