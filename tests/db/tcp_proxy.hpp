#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace semiasync::db::testing {

/// Forwards TCP connections from an ephemeral port on 127.0.0.1 to an
/// upstream server, and can drop them: a stand-in for a database that goes
/// away and comes back, without touching the shared real server.
class tcp_proxy {
public:
  /// Starts listening and forwarding to `host:port` (over IPv4).
  tcp_proxy(const std::string& host, uint16_t port);

  /// Stops forwarding and closes every socket.
  ~tcp_proxy();

  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  /// The local port clients connect to.
  uint16_t port() const noexcept {
    return port_;
  }

  /// While down, every forwarded connection is closed and new ones are
  /// closed right after accepting them (like a server in mid-restart).
  /// Takes effect before returning.
  void set_down(bool down);

  /// While frozen, connections stay open but no byte moves, like a hung
  /// server or a network partition.
  void set_frozen(bool frozen);

private:
  void loop();
  void close_links_locked();
  void accept_one_locked();
  bool pump_locked(int from, int to);

  sockaddr_in upstream_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::mutex mtx_;
  bool down_ = false;
  bool frozen_ = false;
  // Bumped whenever links change outside the loop, so the loop discards
  // poll results that refer to closed descriptors.
  uint64_t generation_ = 0;
  std::vector<std::pair<int, int>> links_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace semiasync::db::testing
