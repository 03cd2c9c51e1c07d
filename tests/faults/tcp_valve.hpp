#pragma once

// A TCP relay on 127.0.0.1 that a test can turn into a black hole: the
// database "unreachable" as a partition or a dropped route makes it, where
// nothing is refused and nothing answers, so every attempt waits for its
// timeout. Stopping MariaDB cannot show that (a refused connect fails in
// microseconds), and the relay breaks only the process pointed at it, never
// the shared stack.

#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// Relays every connection to 127.0.0.1:`target` until `black_hole`; then
/// accepts connections and takes bytes without passing anything on either
/// way, until `reopen`, which resets every connection it held (as a healed
/// route whose old sessions timed out) and relays again.
class tcp_valve {
public:
  /// Listens on a free port of 127.0.0.1 and relays to `target`; throws
  /// std::runtime_error when it cannot listen.
  explicit tcp_valve(uint16_t target);

  /// Closes every connection and stops.
  ~tcp_valve();

  tcp_valve(const tcp_valve&) = delete;
  tcp_valve& operator=(const tcp_valve&) = delete;

  /// The port to connect to instead of `target`.
  uint16_t port() const noexcept {
    return port_;
  }

  /// From now on nothing passes and nothing is refused.
  void black_hole();

  /// Resets what the black hole held and relays again.
  void reopen();

private:
  /// A relayed connection: the client's socket and the target's.
  using pair = std::pair<int, int>;

  void run();
  void accept_all();
  bool relay_once(const pair& p, bool from_client);
  void drop(size_t index);
  void reset_held();

  uint16_t target_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> reset_wanted_{false};
  /// Relayed connections (only the relay thread touches them).
  std::vector<pair> pairs_;
  /// Sockets the black hole holds open, never read.
  std::vector<int> held_;
  std::thread thread_;
};

} // namespace semiasync::testing
