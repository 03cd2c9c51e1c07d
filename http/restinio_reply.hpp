#pragma once

// What the two RESTinio servers (server.cpp, metrics_server.cpp) share:
// their traits, with accepting that survives a failed accept, their limits
// and the writing of an `answer`. Included by those two translation units
// and nothing else: RESTinio's headers are the slowest part of the build.

#include "domain/error.hpp"
#include "domain/types.hpp"
#include "http/accept_recovery.hpp"
#include "http/answer.hpp"
#include "logging/log.hpp"

#include <exception>
#include <restinio/all.hpp>
#include <string>

namespace semiasync::http {

/// RESTinio's defaults plus a limit on open connections, for both servers
/// (a process runs one of them).
struct server_traits : restinio::default_traits_t {
  static constexpr bool use_connection_count_limiter = true;
};

} // namespace semiasync::http

// An accept that fails (EMFILE, ...) is retried after a back-off instead of
// ending accepting for good.
SEMIASYNC_RECOVER_ACCEPT_ERRORS(semiasync::http::server_traits)

namespace semiasync::http {

/// Header fields a request may have; real clients send a dozen.
constexpr size_t max_header_fields = 100;

/// Longest header field name.
constexpr size_t max_header_name_bytes = 256;

/// Each connection's read buffer. RESTinio's 4 KiB default is held by every
/// open connection, and a waiting create request keeps its connection: at
/// 10,000 in flight, 1 KiB saved 30 MiB of RSS (bench/results). A request
/// with its headers is a few hundred bytes, so one read still takes it
/// whole; longer ones are parsed across reads.
constexpr size_t read_buffer_bytes = 1024;

/// The message limits both servers read requests with: bodies up to
/// `max_body`, URLs and field values up to `max_header`, and the fixed
/// bounds above on field names and counts.
inline restinio::incoming_http_msg_limits_t message_limits(uint64_t max_body,
                                                           size_t max_header) {
  return restinio::incoming_http_msg_limits_t{}
    .max_body_size(max_body)
    .max_url_size(max_header)
    .max_field_value_size(max_header)
    .max_field_name_size(max_header_name_bytes)
    .max_field_count(max_header_fields);
}

/// The error of a server that could not start listening (a port in use, an
/// address not of this host), naming where.
inline caf::error listen_failure(const std::string& address, uint16_t port,
                                 const std::exception& ex) {
  return make_error(error_code::listen_failed, "cannot listen on " + address
                                                 + ":" + std::to_string(port)
                                                 + ": " + ex.what());
}

/// Fills `resp` with the status line's companions: type and headers, and
/// `X-Request-Id` when `id` names one.
template <class Response>
void add_answer_headers(Response& resp, const answer& a, const request_id& id) {
  resp.append_header(restinio::http_field::content_type, a.content_type);
  if (!id.value.empty()) resp.append_header("X-Request-Id", id.value);
  for (auto& [name, value] : a.headers)
    resp.append_header(name, value);
}

/// Writes `a` as the response to `req`. RESTinio dispatches the write onto
/// the connection's strand, so any thread may call this once per request.
/// A HEAD request gets the GET answer's header fields, its Content-Length
/// included, and no body (RFC 9110, 9.3.2): RESTinio 0.6 would send one.
inline void write_answer(const restinio::request_handle_t& req, const answer& a,
                         const request_id& id = request_id{}) {
  try {
    restinio::http_status_line_t status{restinio::http_status_code_t{a.status},
                                        std::string{reason_phrase(a.status)}};
    if (req->header().method() == restinio::http_method_head()) {
      auto resp
        = req->create_response<restinio::user_controlled_output_t>(status);
      add_answer_headers(resp, a, id);
      resp.set_content_length(a.body.size());
      resp.done();
      return;
    }
    auto resp = req->create_response(status);
    add_answer_headers(resp, a, id);
    resp.set_body(a.body);
    resp.done();
  } catch (const std::exception& ex) {
    // The connection is gone or was already answered: nothing to tell.
    log(log_level::debug, "http", std::string{"response dropped: "} + ex.what(),
        id.value);
  }
}

} // namespace semiasync::http
