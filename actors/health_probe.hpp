#pragma once

#include "actors/protocol.hpp"

#include <caf/error.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace semiasync {

/// The probe's latest verdict, read by `/readyz` on I/O threads: reading it
/// never blocks on a broker or a database.
class readiness {
public:
  /// Why the process is not ready, or nothing when it is.
  std::optional<std::string> reason() const;

  /// Replaces the verdict.
  void set(std::optional<std::string> reason);

private:
  mutable std::mutex mutex_;
  std::optional<std::string> reason_{"not checked yet"};
};

/// One dependency to check; `run` may block (the probe is detached) and
/// returns an empty error when the dependency is fine.
struct health_check {
  /// Names the dependency in the verdict, e.g. "kafka".
  std::string name;
  /// Checks it.
  std::function<caf::error()> run;
};

/// Runs `checks` in order every `interval`, storing the first failure (or
/// readiness) in `verdict`. Spawn it `detached`: checks block.
poller_actor::behavior_type health_probe(poller_actor::pointer self,
                                         std::vector<health_check> checks,
                                         caf::timespan interval,
                                         std::shared_ptr<readiness> verdict);

} // namespace semiasync
