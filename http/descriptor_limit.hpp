#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync::http {

/// Descriptors kept free for what a process opens besides its HTTP
/// connections. A server or worker holds about 40 at rest (stdio, the
/// listening socket, asio's epoll and eventfds, librdkafka's broker
/// sockets, wake-up pipes and threads per client, two database
/// connections); a cluster of a dozen brokers adds two sockets per broker
/// and client, and the accept in progress needs one more. 128 covers that
/// with room to spare, and costs little where limits are in the thousands.
inline constexpr size_t descriptor_reserve = 128;

/// How many HTTP connections a process serves at once, and why it is fewer
/// than configured.
struct connection_cap {
  /// The connection limit to use.
  size_t connections = 0;
  /// A line for the log when `connections` is below what was configured.
  std::optional<std::string> warning;
};

/// The connection limit that fits `descriptor_limit` open files (nothing:
/// unlimited) with `reserve` kept for the process's own descriptors: the
/// configured `max_connections` when it fits, else what is left after the
/// reserve (half the limit when the reserve does not fit; at least one),
/// with a warning naming `maxConnections`, the limit and the cap. Pure.
connection_cap cap_connections(size_t max_connections,
                               std::optional<uint64_t> descriptor_limit,
                               size_t reserve = descriptor_reserve);

/// Raises this process's soft RLIMIT_NOFILE to its hard limit (a shell's
/// default soft limit is often 1024 while the hard one is far higher) and
/// returns the soft limit then in force; nothing when it is unlimited.
std::optional<uint64_t> raise_descriptor_limit();

/// `max_connections` capped by `cap_connections` to what the raised
/// descriptor limit holds, logging the warning once (as `component`) when
/// it caps. For each HTTP server at start.
size_t connections_within_descriptor_limit(size_t max_connections,
                                           std::string_view component);

} // namespace semiasync::http
