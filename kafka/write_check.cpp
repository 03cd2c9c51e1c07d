#include "kafka/write_check.hpp"

#include <cerrno>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::kafka {

bool accepts_connection(const std::string& host, int port,
                        std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found)
      != 0)
    return false;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses{
    found, &::freeaddrinfo};
  for (auto* at = found; at; at = at->ai_next) {
    int fd
      = ::socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 at->ai_protocol);
    if (fd < 0) continue;
    bool accepted = ::connect(fd, at->ai_addr, at->ai_addrlen) == 0;
    if (!accepted && errno == EINPROGRESS) {
      pollfd pending{fd, POLLOUT, 0};
      if (::poll(&pending, 1, static_cast<int>(timeout.count())) == 1) {
        int error = 0;
        socklen_t size = sizeof(error);
        accepted = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0
                   && error == 0;
      }
    }
    ::close(fd);
    if (accepted) return true;
  }
  return false;
}

write_check::write_check(std::shared_ptr<producer> client)
  : client_(std::move(client)) {
  // nop
}

std::optional<std::string> write_check::operator()(const std::string& topic) {
  auto now = std::chrono::steady_clock::now();
  auto cached = min_insync_.find(topic);
  if (cached == min_insync_.end()
      || now - cached->second.asked > config_max_age) {
    auto asked = client_->min_insync_replicas(topic, request_timeout);
    if (!asked) return std::nullopt;
    cached
      = min_insync_.insert_or_assign(topic, cached_setting{*asked, now}).first;
  }
  auto layout = client_->layout_of(topic, request_timeout);
  if (!layout) return std::nullopt;
  std::set<int32_t> answering;
  for (const auto& [node, address] : layout->brokers)
    if (accepts_connection(address.first, address.second, connect_timeout))
      answering.insert(node);
  return unwritable_reason(topic, layout->partitions, answering,
                           cached->second.value);
}

} // namespace semiasync::kafka
