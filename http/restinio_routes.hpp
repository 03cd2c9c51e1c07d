#pragma once

// How both RESTinio servers (server.cpp, metrics_server.cpp) route: RESTinio's
// easy_parser router (no std::regex on the hot path), with every status and
// body of routing from route_answer.hpp. Included by those two translation
// units and nothing else: RESTinio's headers are the slowest part of the build.

#include "http/answer.hpp"
#include "http/answer_counters.hpp"
#include "http/route_answer.hpp"
#include "metrics/registry.hpp"

#include <functional>
#include <memory>
#include <restinio/all.hpp>
#include <restinio/router/easy_parser_router.hpp>
#include <restinio/utils/percent_encoding.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace semiasync::http {

/// The DSL of route paths.
namespace epr = restinio::router::easy_parser_router;

/// The ID that ends a path: every byte to the end, slashes included, so a
/// malformed ID reaches its handler (and its 404) instead of another route.
inline auto id_p() {
  return epr::produce<std::string>(
    epr::repeat(1, epr::N, epr::any_symbol_p() >> epr::to_container()));
}

/// Builds the router of one server. `Respond` is the server's way of
/// sending an answer, `void(const restinio::request_handle_t&,
/// std::string_view route, const answer&)`: the route label is the one of
/// `semiasync_http_requests_total`. Every route serves its methods, HEAD as
/// GET; any other method on its path is a 405 naming them in `Allow`; a path
/// no route names is a 404. As RESTinio's routers do, one trailing slash is
/// dropped before matching (the root stays `/`) and percent-encoded
/// unreserved characters are decoded.
template <class Respond>
class route_table {
public:
  /// The router RESTinio calls.
  using router_type = restinio::router::easy_parser_router_t;

  /// A table whose answers go through `respond`.
  explicit route_table(Respond respond)
    : respond_(std::move(respond)), router_(std::make_unique<router_type>()) {
    // nop
  }

  /// Serves `methods` on `path` (an `epr::path_to_params`) with `handler`,
  /// called as `handler(req, label, params...)` on an I/O thread. A handler
  /// that returns an `answer` is answered with it at once; one that returns
  /// nothing answers through `Respond` itself, now or later.
  template <class Path, class Handler, class... Methods>
  void add(std::string_view label, Path path, Handler handler,
           Methods... methods) {
    router_->add_handler(
      restinio::router::any_of_methods(methods...), path,
      [respond = respond_, label, handler = std::move(handler)](
        const restinio::request_handle_t& req, auto&&... params) {
        using result = decltype(handler(req, label, params...));
        if constexpr (std::is_same_v<result, answer>)
          respond(req, label, handler(req, label, params...));
        else
          handler(req, label, params...);
        return restinio::request_accepted();
      });
    router_->add_handler(
      restinio::router::none_of_methods(methods...), std::move(path),
      [respond = respond_, label, allow = allow_of(methods...)](
        const restinio::request_handle_t& req, auto&&...) {
        respond(req, label, method_not_allowed(allow.c_str()));
        return restinio::request_accepted();
      });
  }

  /// `add` for GET and HEAD, the methods of every read-only resource (RFC
  /// 9110, 9.3.2: HEAD wherever GET works; load balancers probe with it).
  template <class Path, class Handler>
  void add_read(std::string_view label, Path path, Handler handler) {
    add(label, std::move(path), std::move(handler), restinio::http_method_get(),
        restinio::http_method_head());
  }

  /// Serves `GET /healthz` (the process is up) and `GET /metrics`
  /// (`registry`, which must outlive the server): both ports have them.
  void add_operational(const metrics::registry& registry) {
    add_read(routes::healthz, epr::path_to_params(routes::healthz),
             [](auto&&...) {
               return healthy();
             });
    add_read(routes::metrics, epr::path_to_params(routes::metrics),
             [&registry](auto&&...) {
               return metrics_text(registry.render());
             });
  }

  /// Offers every request that no route above takes to `fallback` before
  /// answering 404: the configured routes, whose paths are known only at
  /// run time. `fallback` returns whether it took the request.
  void add_fallback(
    std::function<bool(const restinio::request_handle_t&)> fallback) {
    fallback_ = std::move(fallback);
  }

  /// The request handler for RESTinio's settings; the table is spent.
  restinio::default_request_handler_t handler() && {
    router_->non_matched_request_handler(
      [respond = respond_,
       fallback = std::move(fallback_)](restinio::request_handle_t req) {
        if (!fallback || !fallback(req))
          respond(req, routes::other, not_found());
        return restinio::request_accepted();
      });
    std::shared_ptr<const router_type> router{std::move(router_)};
    return [router, respond = respond_](const restinio::request_handle_t& req) {
      // The router throws on a malformed percent escape, and RESTinio
      // closes a connection whose handler throws: such a path names
      // nothing of ours.
      if (!routable(req->header().path())) {
        respond(req, routes::other, not_found());
        return restinio::request_accepted();
      }
      return (*router)(req);
    };
  }

private:
  /// The `Allow` field of `methods`: "GET, HEAD".
  template <class... Methods>
  static std::string allow_of(const Methods&... methods) {
    std::string result;
    for (const char* name : {methods.c_str()...}) {
      if (!result.empty()) result += ", ";
      result += name;
    }
    return result;
  }

  /// Whether the router can read `path`: only a `%` can make it fail.
  static bool routable(restinio::string_view_t path) {
    if (path.find('%') == restinio::string_view_t::npos) return true;
    try {
      return restinio::utils::uri_normalization::unreserved_chars::
               estimate_required_capacity(path)
             > 0;
    } catch (const restinio::exception_t&) {
      return false;
    }
  }

  Respond respond_;
  std::unique_ptr<router_type> router_;
  std::function<bool(const restinio::request_handle_t&)> fallback_;
};

} // namespace semiasync::http
