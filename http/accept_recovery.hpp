#pragma once

// Keeps a RESTinio 0.6.16 acceptor accepting after a failed accept.
//
// RESTinio's `acceptor_t<Traits>::call_accept_now` re-arms the accept only
// when it succeeded: one EMFILE (or ENFILE, ENOBUFS, ENOMEM) ends accepting
// for the life of the process, silently, and the connection-count
// limiter's active accept is never given back. SEMIASYNC_RECOVER_ACCEPT_
// ERRORS(traits) replaces that member for one traits type with a version
// that logs the failure (throttled), gives the limiter its slot back and
// accepts again after a back-off (50 ms doubling to 1 s, reset by the next
// success). An accepted socket whose client already reset it (it waited
// in the listen queue) is closed and its slot given back too: RESTinio
// would lose the slot to the exception its peer address throws. An
// explicit specialization of the member rather than a fork of RESTinio: it
// has the member's access, and the rest of the acceptor stays RESTinio's
// own. Use it at global scope in the translation unit that calls
// `run_async<traits>`, after including this header and before that call.

#include "http/accept_backoff.hpp"
#include "logging/log.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <restinio/all.hpp>
#include <string>
#include <system_error>

namespace semiasync::http {

/// The back-off of the acceptor of servers with `Traits`: one per process,
/// which runs one server (the main port, or the worker's metrics port).
template <class Traits>
accept_backoff& accept_backoff_for() {
  static accept_backoff instance;
  return instance;
}

/// Logs a failed accept on `port` (throttled) and returns the wait before
/// accepting again.
inline std::chrono::milliseconds
after_failed_accept(accept_backoff& backoff, uint16_t port,
                    const std::error_code& ec) noexcept {
  try {
    auto retry = backoff.failed(
      "accepting a connection on port " + std::to_string(port) + " failed: "
        + ec.message() + " (errno " + std::to_string(ec.value()) + ")",
      accept_backoff::clock::now());
    if (retry.line) log(log_level::warn, "http", *retry.line);
    return retry.delay;
  } catch (...) {
    // Out of memory while logging: wait the longest, say nothing.
    return std::chrono::seconds{1};
  }
}

/// Tells `backoff` an accept on `port` succeeded; logs the end of a run of
/// failures.
inline void after_accept(accept_backoff& backoff, uint16_t port) noexcept {
  try {
    if (auto line = backoff.succeeded(accept_backoff::clock::now()))
      log(log_level::info, "http",
          "port " + std::to_string(port) + ": " + *line);
  } catch (...) {
    // Logging failed; accepting goes on regardless.
  }
}

} // namespace semiasync::http

/// Makes acceptors of `TRAITS` keep accepting after a failed accept; see
/// the top of this file.
#define SEMIASYNC_RECOVER_ACCEPT_ERRORS(TRAITS)                                \
  template <>                                                                  \
  inline void restinio::impl::acceptor_t<TRAITS>::call_accept_now(             \
    std::size_t index) noexcept {                                              \
    m_acceptor.async_accept(                                                   \
      this->socket(index).lowest_layer(),                                      \
      asio_ns::bind_executor(                                                  \
        get_executor(),                                                        \
        [index, ctx = this->shared_from_this()](const auto& ec) noexcept {     \
          auto& backoff = ::semiasync::http::accept_backoff_for<TRAITS>();     \
          if (!ec) {                                                           \
            ::semiasync::http::after_accept(backoff, ctx->m_port);             \
            /* A client that reset while queued is accepted without a */       \
            /* peer: RESTinio would throw asking for it before a */            \
            /* connection holds the limiter's slot, losing the slot. */        \
            auto& accepted = ctx->socket(index).lowest_layer();                \
            asio_ns::error_code no_peer;                                       \
            accepted.remote_endpoint(no_peer);                                 \
            if (!no_peer) {                                                    \
              ctx->accept_current_connection(index, ec);                       \
              return;                                                          \
            }                                                                  \
            /* Closed, the pool's socket is as good as new for the next */     \
            /* accept (asio only refuses an open one). */                      \
            accepted.close(no_peer);                                           \
            {                                                                  \
              connection_lifetime_monitor_t give_back{                         \
                &ctx->m_connection_count_limiter};                             \
            }                                                                  \
            ctx->accept_next(index);                                           \
            return;                                                            \
          }                                                                    \
          /* Stopping closes the acceptor, which aborts the accept. */         \
          if (ec == asio_ns::error::operation_aborted                          \
              || !ctx->m_acceptor.is_open())                                   \
            return;                                                            \
          /* The limiter counts this accept as active until a connection */    \
          /* takes its slot: a monitor made and dropped gives it back. */      \
          {                                                                    \
            connection_lifetime_monitor_t give_back{                           \
              &ctx->m_connection_count_limiter};                               \
          }                                                                    \
          auto delay = ::semiasync::http::after_failed_accept(                 \
            backoff, ctx->m_port, ec);                                         \
          try {                                                                \
            auto timer = std::make_shared<asio_ns::steady_timer>(              \
              ctx->get_executor(), delay);                                     \
            timer->async_wait([timer, index, ctx](const auto& waited) {        \
              if (waited || !ctx->m_acceptor.is_open()) return;                \
              ctx->accept_next(index);                                         \
            });                                                                \
          } catch (...) {                                                      \
            /* No memory for a timer: try again at once instead. */            \
            ctx->schedule_next_accept_attempt(index);                          \
          }                                                                    \
        }));                                                                   \
  }
