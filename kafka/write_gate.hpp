#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace semiasync::kafka {

/// Which topics cannot take a write now, as the last check found: the HTTP
/// edge asks before publishing, and refuses with 503 at once instead of
/// letting the client wait for a write that cannot complete. Thread-safe;
/// asking costs one atomic load while every topic is writable, and never
/// waits for a broker.
class write_gate {
public:
  /// The clock that dates findings.
  using clock_type = std::chrono::steady_clock;

  /// Forgets a finding once it is older than `max_age`: a check that stops
  /// reporting (stuck on a broker) must not keep refusing requests.
  explicit write_gate(std::chrono::milliseconds max_age,
                      std::function<clock_type::time_point()> now
                      = clock_type::now);

  /// Why `topic` cannot take a write, or nothing when it can (or nobody
  /// knows: an unknown or outdated state never refuses).
  std::optional<std::string> refusal(const std::string& topic) const;

  /// A reason when every topic checked so far is closed, for /readyz:
  /// an instance that can still write one of its topics stays ready.
  std::optional<std::string> refusal_everywhere() const;

  /// Records the latest finding for `topic`: a reason closes it, nothing
  /// opens it.
  void set(const std::string& topic, std::optional<std::string> reason);

private:
  struct finding {
    std::optional<std::string> reason;
    clock_type::time_point at;
  };

  bool fresh(const finding& found) const;

  std::chrono::milliseconds max_age_;
  std::function<clock_type::time_point()> now_;
  /// The number of closed topics: the fast path reads only this.
  std::atomic<size_t> closed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, finding> findings_;
};

} // namespace semiasync::kafka
