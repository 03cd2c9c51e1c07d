// The only translation unit that instantiates RESTinio's server: it is the
// slowest file to compile, so nothing else includes RESTinio.

#include "http/server.hpp"

#include "actors/request.hpp"
#include "domain/error.hpp"
#include "domain/log.hpp"
#include "domain/uuid.hpp"
#include "http/answer.hpp"
#include "http/create_user_input.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <restinio/all.hpp>

namespace semiasync::http {

namespace {

/// How much longer than the reply deadline RESTinio waits for an answer
/// before closing the connection: every client gets our 504 first.
constexpr auto request_timeout_margin = std::chrono::seconds{2};

/// RESTinio closes connections whose body exceeds this hard cap; bodies
/// between our configured limit and the cap get a proper 413.
constexpr uint64_t body_hard_cap = 1024 * 1024;

using traits = restinio::default_traits_t;

/// Writes `a` as the response to `req`. RESTinio dispatches the write onto
/// the connection's strand, so any thread may call this once per request.
void send(const restinio::request_handle_t& req, const answer& a,
          const request_id& id = request_id{}) {
  try {
    auto resp = req->create_response(
      restinio::http_status_line_t{restinio::http_status_code_t{a.status},
                                   std::string{reason_phrase(a.status)}});
    resp.append_header(restinio::http_field::content_type, a.content_type);
    if (!id.value.empty()) resp.append_header("X-Request-Id", id.value);
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
  if (allow) result.headers.emplace_back("Allow", allow);
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
  if (!value) return std::nullopt;
  return std::string_view{value->data(), value->size()};
}

class restinio_server final : public server {
public:
  restinio_server(const server_settings& cfg, server_dependencies deps)
    : cfg_(cfg),
      deps_(std::move(deps)),
      io_(std::make_shared<restinio::asio_ns::io_context>()) {
    // nop
  }

  ~restinio_server() override {
    stop();
  }

  caf::error start() {
    try {
      instance_ = restinio::run_async<traits>(
        restinio::io_context_holder_t{io_},
        restinio::server_settings_t<traits>{}
          .address(cfg_.address)
          .port(cfg_.port)
          .handle_request_timeout(cfg_.reply_timeout + request_timeout_margin)
          .incoming_http_msg_limits(
            restinio::incoming_http_msg_limits_t{}.max_body_size(
              std::max<uint64_t>(body_hard_cap, cfg_.max_body_bytes)))
          .request_handler([this](const restinio::request_handle_t& req) {
            return handle(req);
          }),
        cfg_.threads);
      return {};
    } catch (const std::exception& ex) {
      return make_error(error_code::unavailable,
                        "cannot listen on " + cfg_.address + ":"
                          + std::to_string(cfg_.port) + ": " + ex.what());
    }
  }

  void begin_draining() override {
    draining_ = true;
  }

  size_t wait_until_idle(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> guard{idle_mutex_};
    idle_.wait_for(guard, timeout, [this] {
      return in_flight_ == 0;
    });
    return in_flight_;
  }

  void stop() override {
    if (!instance_) return;
    instance_->stop();
    instance_->wait();
    instance_.reset();
    // No handler runs any more: drop the actor handles so nothing here
    // keeps actors alive; `io_` stays for late answers (see the header).
    deps_ = server_dependencies{};
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
        send(req, {200,
                   deps_.metrics_text(),
                   "text/plain; version=0.0.4; charset=utf-8",
                   {}});
      return restinio::request_accepted();
    }
    send_problem(req, 404, "no such resource");
    return restinio::request_accepted();
  }

  answer readiness() {
    auto reason = deps_.not_ready();
    if (!reason) return json_answer(200, R"({"status":"ready"})");
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
    if (!admit()) {
      auto busy = answer_for(
        make_error(error_code::unavailable,
                   draining_ ? "shutting down" : "too many requests"),
        id);
      send(req, busy, id);
      return restinio::request_accepted();
    }
    request_context ctx{{command.request, std::move(command.name)},
                        cfg_.request_topic,
                        cfg_.reply_timeout,
                        cfg_.produce_timeout,
                        deps_.registry,
                        deps_.producer,
                        [this, req, id](caf::expected<outcome> result) {
                          send(req, answer_for(result, id), id);
                          release();
                        }};
    deps_.system->spawn(create_user_request, std::move(ctx));
    return restinio::request_accepted();
  }

  /// Counts a request in, unless draining or at the in-flight limit.
  bool admit() {
    if (draining_) return false;
    if (++in_flight_ > cfg_.max_in_flight) {
      release();
      return false;
    }
    return true;
  }

  /// Counts an answered request out and wakes a waiting drain.
  void release() {
    if (--in_flight_ == 0) {
      std::lock_guard<std::mutex> guard{idle_mutex_};
      idle_.notify_all();
    }
  }

  server_settings cfg_;
  server_dependencies deps_;
  /// Outlives RESTinio's threads: late answers post here (see the header).
  std::shared_ptr<restinio::asio_ns::io_context> io_;
  restinio::running_server_handle_t<traits> instance_;
  /// Set once shutdown begins; new create-user requests get 503.
  std::atomic<bool> draining_{false};
  /// Create-user requests spawned and not yet answered.
  std::atomic<size_t> in_flight_{0};
  /// Signals `wait_until_idle` when `in_flight_` drops to zero.
  std::mutex idle_mutex_;
  std::condition_variable idle_;
};

} // namespace

caf::expected<std::unique_ptr<server>> server::start(const server_settings& cfg,
                                                     server_dependencies deps) {
  auto result = std::make_unique<restinio_server>(cfg, std::move(deps));
  if (auto err = result->start()) return err;
  return std::unique_ptr<server>{std::move(result)};
}

} // namespace semiasync::http
