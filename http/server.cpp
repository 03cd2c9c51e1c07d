// The only translation unit that instantiates RESTinio's server: it is the
// slowest file to compile, so nothing else includes RESTinio.

#include "http/server.hpp"

#include "actors/request.hpp"
#include "domain/error.hpp"
#include "domain/log.hpp"
#include "domain/uuid.hpp"
#include "http/answer.hpp"
#include "http/create_user_input.hpp"

#include <restinio/all.hpp>

#include <nlohmann/json.hpp>

namespace semiasync::http {

namespace {

/// RESTinio's default timeout for answering a request; our reply deadline
/// stays below it so every client gets an answer, never a closed socket.
constexpr auto handle_request_timeout = std::chrono::seconds{10};

/// RESTinio closes connections whose body exceeds this hard cap; bodies
/// between our configured limit and the cap get a proper 413.
constexpr uint64_t body_hard_cap = 1024 * 1024;

using traits = restinio::default_traits_t;

/// Writes `a` as the response to `req`. RESTinio dispatches the write onto
/// the connection's strand, so any thread may call this once per request.
void send(const restinio::request_handle_t& req, const answer& a,
          const request_id& id = request_id{}) {
  try {
    auto resp = req->create_response(restinio::http_status_line_t{
      restinio::http_status_code_t{a.status},
      std::string{reason_phrase(a.status)}});
    resp.append_header(restinio::http_field::content_type, a.content_type);
    if (!id.value.empty())
      resp.append_header("X-Request-Id", id.value);
    for (auto& [name, value] : a.headers)
      resp.append_header(name, value);
    resp.set_body(a.body);
    resp.done();
  } catch (const std::exception& ex) {
    // The connection is gone or was already answered: nothing to tell.
    log(log_level::debug, "http", std::string{"response dropped: "} + ex.what(),
        id.value);
  }
}

/// Answers a request that reached no handler with a problem naming a fresh
/// request ID, so every answer (to a POST in particular) carries one.
void send_problem(const restinio::request_handle_t& req, uint16_t status,
                  std::string_view detail, const char* allow = nullptr) {
  request_id id{random_uuid()};
  auto result = problem(status, detail, id);
  if (allow)
    result.headers.emplace_back("Allow", allow);
  send(req, result, id);
}

/// A 405 naming the allowed methods.
void send_method_not_allowed(const restinio::request_handle_t& req,
                             const char* allowed) {
  send_problem(req, 405, std::string{"allowed: "} + allowed, allowed);
}

std::optional<std::string_view> header_of(const restinio::request_handle_t& req,
                                          std::string_view name) {
  auto value = req->header().opt_value_of(name);
  if (!value)
    return std::nullopt;
  return std::string_view{value->data(), value->size()};
}

class restinio_server final : public server {
public:
  restinio_server(const server_settings& cfg, server_dependencies deps)
    : cfg_(cfg), deps_(std::move(deps)) {
    // nop
  }

  ~restinio_server() override {
    stop();
  }

  caf::error start() {
    try {
      instance_ = restinio::run_async<traits>(
        restinio::own_io_context(),
        restinio::server_settings_t<traits>{}
          .address(cfg_.address)
          .port(cfg_.port)
          .handle_request_timeout(handle_request_timeout)
          .incoming_http_msg_limits(
            restinio::incoming_http_msg_limits_t{}.max_body_size(
              std::max<uint64_t>(body_hard_cap, cfg_.max_body_bytes)))
          .request_handler(
            [this](const restinio::request_handle_t& req) { return handle(req); }),
        cfg_.threads);
      return {};
    } catch (const std::exception& ex) {
      return make_error(error_code::unavailable,
                        "cannot listen on " + cfg_.address + ":"
                          + std::to_string(cfg_.port) + ": " + ex.what());
    }
  }

  void stop() override {
    if (!instance_)
      return;
    instance_->stop();
    instance_->wait();
    instance_.reset();
  }

private:
  restinio::request_handling_status_t
  handle(const restinio::request_handle_t& req) {
    auto path = req->header().path();
    auto method = req->header().method();
    auto is_get = method == restinio::http_method_get();
    if (path == "/" || path == "/users") {
      if (method != restinio::http_method_post()) {
        send_method_not_allowed(req, "POST");
        return restinio::request_accepted();
      }
      return create_user(req);
    }
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
      if (!is_get)
        send_method_not_allowed(req, "GET");
      else if (path == "/healthz")
        send(req, json_answer(200, R"({"status":"ok"})"));
      else if (path == "/readyz")
        send(req, readiness());
      else
        send(req, {200, deps_.metrics_text(),
                   "text/plain; version=0.0.4; charset=utf-8", {}});
      return restinio::request_accepted();
    }
    send_problem(req, 404, "no such resource");
    return restinio::request_accepted();
  }

  answer readiness() {
    auto reason = deps_.not_ready();
    if (!reason)
      return json_answer(200, R"({"status":"ready"})");
    nlohmann::json doc{{"status", "not ready"}, {"reason", *reason}};
    return {503, doc.dump(), "application/json", {{"Retry-After", "1"}}};
  }

  restinio::request_handling_status_t
  create_user(const restinio::request_handle_t& req) {
    create_user_input input{header_of(req, "Content-Type"),
                            header_of(req, "Idempotency-Key"), req->body()};
    auto parsed = parse_create_user(input, cfg_.max_body_bytes,
                                    request_id{random_uuid()});
    if (auto rejected = std::get_if<create_user_rejection>(&parsed)) {
      send(req, rejected->response, rejected->request);
      return restinio::request_accepted();
    }
    auto& command = std::get<create_user_command>(parsed);
    auto id = command.request;
    request_context ctx{
      {command.request, std::move(command.name)},
      cfg_.request_topic,
      cfg_.reply_timeout,
      cfg_.produce_timeout,
      deps_.registry,
      deps_.producer,
      [req, id](caf::expected<outcome> result) {
        send(req, answer_for(result, id), id);
      }};
    deps_.system->spawn(create_user_request, std::move(ctx));
    return restinio::request_accepted();
  }

  server_settings cfg_;
  server_dependencies deps_;
  restinio::running_server_handle_t<traits> instance_;
};

} // namespace

caf::expected<std::unique_ptr<server>>
server::start(const server_settings& cfg, server_dependencies deps) {
  auto result = std::make_unique<restinio_server>(cfg, std::move(deps));
  if (auto err = result->start())
    return err;
  return std::unique_ptr<server>{std::move(result)};
}

} // namespace semiasync::http
