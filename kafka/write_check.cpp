#include "kafka/write_check.hpp"

#include <cerrno>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::kafka {

namespace {

using clock_type = std::chrono::steady_clock;

/// One connection attempt to one resolved address.
connect_result try_address(const addrinfo& at,
                           std::chrono::milliseconds timeout) {
  int fd = ::socket(at.ai_family, at.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    at.ai_protocol);
  if (fd < 0) return connect_result::unknown;
  auto result = connect_result::refused;
  if (::connect(fd, at.ai_addr, at.ai_addrlen) == 0) {
    result = connect_result::accepted;
  } else if (errno == EINPROGRESS) {
    pollfd pending{fd, POLLOUT, 0};
    int ready = 0;
    do {
      ready = ::poll(&pending, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    int error = 0;
    socklen_t size = sizeof(error);
    if (ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0
        && error == 0)
      result = connect_result::accepted;
  }
  ::close(fd);
  return result;
}

} // namespace

connect_result try_connect(const std::string& host, int port,
                           std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found)
      != 0)
    return connect_result::unknown;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses{
    found, &::freeaddrinfo};
  auto result = connect_result::unknown;
  for (auto* at = found; at; at = at->ai_next) {
    auto tried = try_address(*at, timeout);
    if (tried == connect_result::accepted) return tried;
    if (tried == connect_result::refused) result = tried;
  }
  return result;
}

write_check::write_check(std::shared_ptr<producer> client)
  : client_(std::move(client)) {
  // nop
}

std::optional<std::set<int32_t>>
write_check::answering(const topic_layout& layout) {
  auto now = clock_type::now();
  if (answering_ && probed_brokers_ == layout.brokers
      && now - probed_at_ < brokers_max_age)
    return answering_;
  std::set<int32_t> result;
  bool judged = true;
  for (const auto& [node, address] : layout.brokers) {
    auto tried = try_connect(address.first, address.second, connect_timeout);
    if (tried == connect_result::accepted) result.insert(node);
    judged = judged && tried != connect_result::unknown;
  }
  // The metadata came from a broker that answered: if none accepts a
  // connection now, the fault is on this side, not the cluster's.
  if (!judged || result.empty())
    answering_.reset();
  else
    answering_ = std::move(result);
  probed_brokers_ = layout.brokers;
  probed_at_ = clock_type::now();
  return answering_;
}

std::optional<std::string> write_check::operator()(const std::string& topic) {
  auto now = clock_type::now();
  auto& cached = min_insync_[topic];
  if (cached.value == 0 || now - cached.asked > config_max_age) {
    // Read again when stale; on failure keep the value we had. During a
    // majority loss this request often goes to a dead node.
    if (auto asked = client_->min_insync_replicas(topic, request_timeout))
      cached.value = *asked;
    cached.asked = now;
  }
  if (cached.value == 0) return std::nullopt;
  auto layout = client_->layout_of(topic, request_timeout);
  if (!layout) return std::nullopt;
  auto live = answering(*layout);
  if (!live) return std::nullopt;
  return unwritable_reason(topic, layout->partitions, *live, cached.value);
}

} // namespace semiasync::kafka
