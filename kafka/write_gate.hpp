#pragma once

#include <atomic>
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
  /// Why `topic` cannot take a write, or nothing when it can (or nobody
  /// knows: an unknown state never refuses).
  std::optional<std::string> refusal(const std::string& topic) const;

  /// The reason of any closed topic, for /readyz; nothing when all are open.
  std::optional<std::string> any_refusal() const;

  /// Records the latest finding for `topic`: a reason closes it, nothing
  /// opens it.
  void set(const std::string& topic, std::optional<std::string> reason);

private:
  /// The number of closed topics: the fast path reads only this.
  std::atomic<size_t> closed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::string> reasons_;
};

} // namespace semiasync::kafka
