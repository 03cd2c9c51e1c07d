#include "http/descriptor_limit.hpp"

#include "logging/log.hpp"

#include <algorithm>
#include <sys/resource.h>

namespace semiasync::http {

connection_cap cap_connections(size_t max_connections,
                               std::optional<uint64_t> descriptor_limit,
                               size_t reserve) {
  if (!descriptor_limit || *descriptor_limit >= max_connections + reserve)
    return {max_connections, std::nullopt};
  auto limit = *descriptor_limit;
  // A limit smaller than the reserve leaves the process nearly nothing;
  // half of it still serves a few clients rather than none.
  auto room = limit > reserve ? limit - reserve : limit / 2;
  auto cap = static_cast<size_t>(std::max<uint64_t>(room, 1));
  return {cap, "maxConnections " + std::to_string(max_connections)
                 + " does not fit the open-file limit " + std::to_string(limit)
                 + " with " + std::to_string(reserve)
                 + " descriptors kept for Kafka, the database and files: "
                   "serving at most "
                 + std::to_string(cap)
                 + " connections at once (raise the hard limit, e.g. "
                   "ulimit -Hn or LimitNOFILE, to serve more)"};
}

std::optional<uint64_t> raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised{limit.rlim_max, limit.rlim_max};
    // Fails only where the hard limit exceeds fs.nr_open; the soft limit
    // then stays as it was, and the cap below follows it.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<uint64_t>(limit.rlim_cur);
}

size_t connections_within_descriptor_limit(size_t max_connections,
                                           std::string_view component) {
  auto cap = cap_connections(max_connections, raise_descriptor_limit());
  if (cap.warning) log(log_level::warn, component, *cap.warning);
  return cap.connections;
}

} // namespace semiasync::http
