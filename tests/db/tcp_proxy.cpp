#include "tests/db/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::db::testing {

namespace {

// Resolves `host` to its first IPv4 address (it may be a compose service
// name rather than an address).
sockaddr_in ipv4(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0)
    throw std::runtime_error("tcp_proxy: cannot resolve " + host);
  sockaddr_in addr = *reinterpret_cast<sockaddr_in*>(found->ai_addr);
  ::freeaddrinfo(found);
  addr.sin_port = htons(port);
  return addr;
}

bool write_all(int fd, const char* data, ssize_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, static_cast<size_t>(size), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

} // namespace

tcp_proxy::tcp_proxy(const std::string& host, uint16_t port)
  : upstream_(ipv4(host, port)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0
      || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || ::listen(listen_fd_, 16) != 0
      || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len)
           != 0
      || ::pipe(wake_) != 0)
    throw std::runtime_error("tcp_proxy: cannot listen");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread{[this] {
    loop();
  }};
}

tcp_proxy::~tcp_proxy() {
  stop_ = true;
  char byte = 0;
  [[maybe_unused]] auto ignored = ::write(wake_[1], &byte, 1);
  thread_.join();
  close_links_locked();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void tcp_proxy::set_down(bool down) {
  std::lock_guard<std::mutex> guard{mtx_};
  down_ = down;
  if (down) {
    close_links_locked();
    ++generation_;
  }
  char byte = 0;
  [[maybe_unused]] auto ignored = ::write(wake_[1], &byte, 1);
}

void tcp_proxy::set_frozen(bool frozen) {
  std::lock_guard<std::mutex> guard{mtx_};
  frozen_ = frozen;
  char byte = 0;
  [[maybe_unused]] auto ignored = ::write(wake_[1], &byte, 1);
}

void tcp_proxy::close_links_locked() {
  for (auto [client, server] : links_) {
    ::close(client);
    ::close(server);
  }
  links_.clear();
}

void tcp_proxy::accept_one_locked() {
  int client = ::accept(listen_fd_, nullptr, nullptr);
  if (client < 0) return;
  if (down_) {
    ::close(client);
    return;
  }
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  if (server < 0
      || ::connect(server, reinterpret_cast<const sockaddr*>(&upstream_),
                   sizeof(upstream_))
           != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  links_.emplace_back(client, server);
}

bool tcp_proxy::pump_locked(int from, int to) {
  char buf[16384];
  auto n = ::recv(from, buf, sizeof(buf), 0);
  return n > 0 && write_all(to, buf, n);
}

void tcp_proxy::loop() {
  std::vector<pollfd> fds;
  while (!stop_) {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      generation = generation_;
      fds.clear();
      fds.push_back({wake_[0], POLLIN, 0});
      fds.push_back({listen_fd_, POLLIN, 0});
      if (!frozen_)
        for (auto [client, server] : links_) {
          fds.push_back({client, POLLIN, 0});
          fds.push_back({server, POLLIN, 0});
        }
    }
    if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
    if (fds[0].revents != 0) {
      char buf[64];
      [[maybe_unused]] auto ignored = ::read(wake_[0], buf, sizeof(buf));
    }
    std::lock_guard<std::mutex> guard{mtx_};
    if (stop_ || generation != generation_) continue;
    // Links are only appended below, so indexes 2 + 2i stay valid.
    std::vector<size_t> dead;
    for (size_t i = 0; i < (fds.size() - 2) / 2; ++i) {
      auto [client, server] = links_[i];
      bool ok = true;
      if (fds[2 + 2 * i].revents != 0) ok = pump_locked(client, server);
      if (ok && fds[3 + 2 * i].revents != 0) ok = pump_locked(server, client);
      if (!ok) dead.push_back(i);
    }
    for (auto i = dead.rbegin(); i != dead.rend(); ++i) {
      ::close(links_[*i].first);
      ::close(links_[*i].second);
      links_.erase(links_.begin() + static_cast<std::ptrdiff_t>(*i));
    }
    if (fds[1].revents != 0) accept_one_locked();
  }
}

} // namespace semiasync::db::testing
