#include "tests/faults/tcp_valve.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;

/// How often the relay thread looks at its flags while nothing happens.
constexpr int poll_interval_ms = 20;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

/// Closes `fd` with a reset instead of an orderly close: the peer's next
/// read fails at once, as after a route that came back without the session.
void reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  ::close(fd);
}

/// Writes all of `data` to the blocking socket `fd`.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

} // namespace

tcp_valve::tcp_valve(uint16_t target) : target_(target) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (listener_ < 0
      || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || ::listen(listener_, SOMAXCONN) != 0
      || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len)
           != 0) {
    auto err = errno;
    if (listener_ >= 0) ::close(listener_);
    throw std::runtime_error(std::string{"tcp_valve: cannot listen: "}
                             + std::strerror(err));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread{[this] {
    run();
  }};
}

tcp_valve::~tcp_valve() {
  stop_ = true;
  thread_.join();
  reset_held();
  ::close(listener_);
}

void tcp_valve::black_hole() {
  closed_ = true;
}

void tcp_valve::reopen() {
  reset_wanted_ = true;
  // The relay thread resets and reopens; once it did, relaying is on.
  while (reset_wanted_ && !stop_)
    std::this_thread::sleep_for(5ms);
}

void tcp_valve::run() {
  std::vector<pollfd> fds;
  while (!stop_) {
    if (reset_wanted_) {
      reset_held();
      closed_ = false;
      reset_wanted_ = false;
    }
    bool relaying = !closed_;
    fds.clear();
    fds.push_back({listener_, POLLIN, 0});
    // A black hole reads nothing: what the client sends stays unanswered.
    if (relaying)
      for (auto& [client, upstream] : pairs_) {
        fds.push_back({client, POLLIN, 0});
        fds.push_back({upstream, POLLIN, 0});
      }
    if (::poll(fds.data(), fds.size(), poll_interval_ms) <= 0) continue;
    // Only the pairs polled above have events; accepting adds after them.
    auto polled = relaying ? pairs_.size() : 0;
    if (fds[0].revents != 0) accept_all();
    // Backwards, so dropping a pair leaves the indexes still to visit valid.
    for (size_t i = polled; i-- > 0;) {
      auto client_events = fds[1 + 2 * i].revents;
      auto upstream_events = fds[2 + 2 * i].revents;
      bool alive = true;
      if (client_events != 0) alive = relay_once(pairs_[i], true);
      if (alive && upstream_events != 0) alive = relay_once(pairs_[i], false);
      if (!alive) drop(i);
    }
  }
}

void tcp_valve::accept_all() {
  for (;;) {
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    if (closed_) {
      held_.push_back(client);
      continue;
    }
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(target_);
    if (upstream < 0
        || ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
             != 0) {
      // The target is down: the client learns it as it would directly.
      if (upstream >= 0) ::close(upstream);
      reset(client);
      continue;
    }
    pairs_.emplace_back(client, upstream);
  }
}

bool tcp_valve::relay_once(const pair& p, bool from_client) {
  int from = from_client ? p.first : p.second;
  int to = from_client ? p.second : p.first;
  char buf[65536];
  auto n = ::recv(from, buf, sizeof(buf), 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  return write_all(to, buf, static_cast<size_t>(n));
}

void tcp_valve::drop(size_t index) {
  ::close(pairs_[index].first);
  ::close(pairs_[index].second);
  pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(index));
}

void tcp_valve::reset_held() {
  // Sessions that lived through the black hole are gone on both sides.
  for (auto& [client, upstream] : pairs_) {
    reset(client);
    reset(upstream);
  }
  pairs_.clear();
  for (int fd : held_)
    reset(fd);
  held_.clear();
}

} // namespace semiasync::testing
