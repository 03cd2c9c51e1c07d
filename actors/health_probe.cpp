#include "actors/health_probe.hpp"

#include "domain/error.hpp"
#include "logging/log.hpp"

namespace semiasync {

std::optional<std::string> readiness::reason() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return reason_;
}

void readiness::set(std::optional<std::string> reason) {
  std::lock_guard<std::mutex> guard{mutex_};
  reason_ = std::move(reason);
}

namespace {

/// The first failing check, described for operators.
std::optional<std::string> first_failure(const std::vector<health_check>& all) {
  for (auto& check : all)
    if (auto err = check.run()) {
      auto detail = detail_of(err);
      return check.name + (detail.empty() ? " unavailable" : ": " + detail);
    }
  return std::nullopt;
}

} // namespace

poller_actor::behavior_type health_probe(poller_actor::pointer self,
                                         std::vector<health_check> checks,
                                         caf::timespan interval,
                                         std::shared_ptr<readiness> verdict) {
  self->send(self, poll_atom::value);
  return {
    [self, checks, interval, verdict](poll_atom) {
      auto now = first_failure(checks);
      auto before = verdict->reason();
      // Log changes only: a probe that logs every second buries the rest.
      if (now != before) {
        if (now)
          log(log_level::warn, "health", "not ready: " + *now);
        else
          log(log_level::info, "health", "ready");
      }
      verdict->set(std::move(now));
      self->delayed_send(self, interval, poll_atom::value);
    },
  };
}

} // namespace semiasync
