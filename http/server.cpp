// The only translation unit that instantiates RESTinio's server: it is the
// slowest file to compile, so nothing else includes RESTinio.

#include "http/server.hpp"

#include "actors/request.hpp"
#include "domain/error.hpp"
#include "domain/idempotency_key.hpp"
#include "domain/sha256.hpp"
#include "domain/uuid.hpp"
#include "http/answer.hpp"
#include "http/answer_counters.hpp"
#include "http/create_user_input.hpp"
#include "http/gateway_answer.hpp"
#include "http/prefer.hpp"
#include "http/restinio_reply.hpp"
#include "http/restinio_routes.hpp"
#include "http/route_answer.hpp"
#include "http/route_input.hpp"
#include "http/server_span.hpp"
#include "http/ui_page.hpp"
#include "kafka/route_codec.hpp"
#include "kafka/wire_codec.hpp"
#include "logging/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/timestamp.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <restinio/all.hpp>
#include <thread>

namespace semiasync::http {

namespace {

/// How much longer than the reply deadline RESTinio waits for an answer
/// before closing the connection: every client gets our 504 first.
constexpr auto request_timeout_margin = std::chrono::seconds{2};

/// RESTinio closes connections whose body exceeds this hard cap; bodies
/// between our configured limit and the cap get a proper 413.
constexpr uint64_t body_hard_cap = 1024 * 1024;

/// How long stopping waits for answers already posted to the I/O context.
constexpr auto unsent_grace = std::chrono::seconds{1};

/// How long a read endpoint waits for the database.
constexpr auto read_timeout = std::chrono::seconds{5};

/// Lookups waiting for the reader's one database connection at once;
/// beyond it, 503 + Retry-After. At a few milliseconds per lookup the
/// reader clears this many well within `read_timeout`.
constexpr size_t max_lookups = 256;

/// The shortest wait for a configured route's claim in the gateway's
/// store, even for a request whose deadline is shorter (`respond-async`).
constexpr std::chrono::milliseconds min_claim_wait{1000};

/// When the reader should no longer bother with a lookup: its asker gives
/// up after `read_timeout`, and a lookup nobody waits for would only delay
/// the next ones.
caf::timestamp lookup_deadline() {
  return caf::make_timestamp() + read_timeout;
}

/// The paths of the read endpoints, each followed by an ID (a router
/// fragment).
constexpr std::string_view users_prefix = "/users/";
constexpr std::string_view requests_prefix = "/requests/";

using traits = server_traits;

using steady = std::chrono::steady_clock;

/// How the live page names create-user's route.
constexpr std::string_view create_user_route = "create-user";

/// The live page's stream: writes what the hub queues for one page, one
/// write at a time (the next batch is taken only once the previous one was
/// written), and ends the response when the hub closes. A write the page
/// does not take stalls until RESTinio's write timeout closes the
/// connection; the failed write then frees the page's slot.
class event_stream : public std::enable_shared_from_this<event_stream> {
public:
  using response = restinio::response_builder_t<restinio::chunked_output_t>;

  explicit event_stream(flow_hub& hub) : hub_(hub) {
    // nop
  }

  /// Subscribes with `hello` first, each later wake posted to `io`; false
  /// when the hub refuses (at its cap, or closed). Nothing runs `pump`
  /// before `start`: a new subscriber's writer is busy until it first
  /// finds its queue empty.
  bool subscribe(std::string hello,
                 std::shared_ptr<restinio::asio_ns::io_context> io) {
    // The wake keeps this stream alive while it idles; unsubscribing drops
    // it again.
    sub_ = hub_.subscribe(std::move(hello), [self = shared_from_this(), io] {
      restinio::asio_ns::post(*io, [self] {
        self->pump();
      });
    });
    return sub_ != nullptr;
  }

  /// Starts writing to `resp`, on `io`.
  void start(response resp, restinio::asio_ns::io_context& io) {
    resp_.emplace(std::move(resp));
    // Posted, as every answer is (see `restinio_server::respond`).
    restinio::asio_ns::post(io, [self = shared_from_this()] {
      self->pump();
    });
  }

  /// Gives the page's slot back without having written (its response
  /// could not be made).
  void leave() {
    hub_.unsubscribe(sub_);
  }

  /// Writes the next batch, if any; the writer's only loop.
  void pump() {
    try {
      switch (hub_.take(*sub_, text_)) {
        case flow_hub::step::idle: return;
        case flow_hub::step::end:
          resp_->done();
          hub_.unsubscribe(sub_);
          return;
        case flow_hub::step::write:
          resp_->append_chunk(std::move(text_));
          resp_->flush([self = shared_from_this()](
                         const restinio::asio_ns::error_code& ec) {
            if (ec)
              self->hub_.unsubscribe(self->sub_);
            else
              self->pump();
          });
          return;
      }
    } catch (const std::exception& ex) {
      log(log_level::debug, "http",
          std::string{"event stream ended: "} + ex.what());
      hub_.unsubscribe(sub_);
    }
  }

private:
  flow_hub& hub_;
  /// Set by `start`.
  std::optional<response> resp_;
  std::shared_ptr<flow_hub::subscription> sub_;
  /// The batch being written.
  std::string text_;
};

/// A UUID in any case as the canonical lower-case text our IDs use; nothing
/// when it is no UUID. (UUIDs compare case-insensitively, RFC 9562.)
std::optional<std::string> canonical_id(std::string text) {
  for (auto& c : text)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  if (!is_canonical_uuid(text)) return std::nullopt;
  return text;
}

/// A failed read: the edge speaks of the database, never of CAF.
caf::error as_read_failure(const caf::error& err) {
  if (code_of(err) != error_code::none) return err;
  return make_error(error_code::database_unavailable,
                    "lookup failed: " + to_string(err));
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
      route_deps_(std::make_shared<const server_dependencies>(deps_)),
      answers_(*deps_.metrics),
      flow_(deps_.flow),
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
          .handle_request_timeout(cfg_.longest_deadline()
                                  + request_timeout_margin)
          .read_next_http_message_timelimit(cfg_.read_timeout)
          .write_http_response_timelimit(cfg_.write_timeout)
          .max_parallel_connections(cfg_.max_connections)
          .buffer_size(read_buffer_bytes)
          .incoming_http_msg_limits(message_limits(
            std::max<uint64_t>(body_hard_cap, cfg_.largest_body()),
            cfg_.max_header_bytes))
          .request_handler(request_handler()),
        cfg_.threads);
      return {};
    } catch (const std::exception& ex) {
      return listen_failure(cfg_.address, cfg_.port, ex);
    }
  }

  void begin_draining() override {
    draining_ = true;
    // The pages' streams would hold their connections past the drain.
    if (flow_) flow_->close();
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
    if (flow_) flow_->close();
    // Answers posted but not yet written would die with the connections
    // that stopping closes: let them out first (they take microseconds).
    auto deadline = std::chrono::steady_clock::now() + unsent_grace;
    while (unsent_ > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    instance_->stop();
    instance_->wait();
    instance_.reset();
    // No handler runs any more: drop the actor handles so nothing here
    // keeps actors alive; `io_` stays for late answers (see the header).
    deps_ = server_dependencies{};
    route_deps_.reset();
  }

private:
  /// The request handler: the API's routes, hot POST first.
  restinio::default_request_handler_t request_handler() {
    route_table table{[this](const restinio::request_handle_t& req,
                             std::string_view route, const answer& a) {
      respond(req, route, a);
    }};
    auto create
      = [this](const restinio::request_handle_t& req, std::string_view route) {
          create_user(req, route);
        };
    table.add(routes::root, epr::path_to_params(routes::root), create,
              restinio::http_method_post());
    table.add(routes::users, epr::path_to_params(routes::users), create,
              restinio::http_method_post());
    table.add_operational(*deps_.metrics);
    table.add_read(routes::readyz, epr::path_to_params(routes::readyz),
                   [this](auto&&...) {
                     return readiness(draining_, deps_.not_ready);
                   });
    table.add_read(routes::user, epr::path_to_params(users_prefix, id_p()),
                   [this](const restinio::request_handle_t& req,
                          std::string_view route, std::string& id) {
                     get_user(req, route, std::move(id));
                   });
    table.add_read(routes::request,
                   epr::path_to_params(requests_prefix, id_p()),
                   [this](const restinio::request_handle_t& req,
                          std::string_view route, std::string& id) {
                     get_request(req, route, std::move(id));
                   });
    if (cfg_.ui && flow_) {
      table.add_read(routes::ui, epr::path_to_params(routes::ui),
                     [](auto&&...) {
                       return answer{200,
                                     std::string{ui_page()},
                                     "text/html; charset=utf-8",
                                     {{"Cache-Control", "no-store"}}};
                     });
      table.add(
        routes::ui_events, epr::path_to_params(routes::ui_events),
        [this](const restinio::request_handle_t& req, std::string_view route) {
          open_stream(req, route);
        },
        restinio::http_method_get());
    }
    if (!cfg_.routes.empty())
      table.add_fallback([this](const restinio::request_handle_t& req) {
        return serve_configured(req);
      });
    return std::move(table).handler();
  }

  /// Counts a lookup in, unless `max_lookups` already wait for the
  /// database: the reader has one connection, and with the database
  /// unreachable its mailbox would grow with the GET rate.
  bool admit_lookup() {
    if (++lookups_ > max_lookups) {
      --lookups_;
      return false;
    }
    return true;
  }

  /// The `hello` event: the routes the page draws and the deadlines.
  std::string hello_frame() const {
    nlohmann::json routes = nlohmann::json::array();
    routes.push_back(
      {{"name", create_user_route}, {"method", "POST"}, {"path", "/users"}});
    for (const auto& route : cfg_.routes)
      routes.push_back({{"name", route.name},
                        {"method", route.method},
                        {"path", route.path.text()}});
    nlohmann::json doc{{"routes", std::move(routes)},
                       {"replyTimeoutMs", cfg_.reply_timeout.count()},
                       {"maxWaitMs", cfg_.max_wait.count()}};
    return sse_frame(
      "hello",
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  /// `GET /ui/events`: a page's stream, unless the hub's cap of pages is
  /// reached or the server drains (503 + Retry-After either way).
  void open_stream(const restinio::request_handle_t& req,
                   std::string_view route) {
    request_id trace{random_uuid()};
    if (draining_) {
      respond(req, route,
              answer_for(make_error(error_code::draining, "draining"), trace),
              trace);
      return;
    }
    auto stream = std::make_shared<event_stream>(*flow_);
    // Subscribing first: a refused page gets a plain 503 (a request has one
    // response, which a stream would have taken).
    if (!stream->subscribe(hello_frame(), io_)) {
      respond(
        req, route,
        answer_for(
          make_error(error_code::overloaded,
                     "too many pages follow /ui/events ("
                       + std::to_string(flow_->bounds().max_subscribers) + ")"),
          trace),
        trace);
      return;
    }
    try {
      auto resp = req->create_response<restinio::chunked_output_t>();
      resp.append_header(restinio::http_field::content_type,
                         "text/event-stream");
      resp.append_header(restinio::http_field::cache_control, "no-store");
      // Proxies that buffer (nginx) would hold events back.
      resp.append_header("X-Accel-Buffering", "no");
      stream->start(std::move(resp), *io_);
      answers_.count(route, 200);
    } catch (const std::exception& ex) {
      stream->leave();
      log(log_level::debug, "http",
          std::string{"event stream not started: "} + ex.what());
    }
  }

  /// What watches one request until its answer: the live page's clock and
  /// the trace's server span.
  struct request_watch {
    /// The instant it arrived, when its answer will be reported to the live
    /// page; nothing when no page listens (no clock read then).
    std::optional<steady::time_point> received;
    /// Its server span; null when tracing is off.
    tracing::span_ptr span;
  };

  /// Starts watching `req`, which matched the route template `http_route`.
  request_watch watch(const restinio::request_handle_t& req,
                      std::string_view http_route) const {
    request_watch result;
    if (flow_ && flow_->listening()) result.received = steady::now();
    if (auto* tracer = deps_.tracer) {
      auto path = req->header().path();
      result.span = start_server_span(
        *tracer, {.method = req->header().method().c_str(),
                  .route = http_route,
                  .path = {path.data(), path.size()},
                  .traceparent = header_of(req, "traceparent"),
                  .tracestate = header_of(req, "tracestate")});
    }
    return result;
  }

  /// Sends a create-user or configured-route answer (`label` counts it, as
  /// `respond` does), ends its server span and reports it to the live page
  /// as `flow_route`'s `answered` stage.
  void answer_request(const restinio::request_handle_t& req,
                      std::string_view label, std::string_view flow_route,
                      const answer& a, const request_id& id = request_id{},
                      const request_watch& watched = {}) {
    if (watched.span) end_server_span(*watched.span, a, id.value);
    auto* flow = flow_;
    if (!flow || !flow->listening()) {
      respond(req, label, a, id);
      return;
    }
    metrics::flow_event event;
    event.stage = metrics::flow_stage::answered;
    if (!id.value.empty()) event.id = id.value;
    event.route = std::string{flow_route};
    event.at_ms = metrics::unix_now_ms();
    event.status = a.status;
    if (watched.received)
      event.ms = metrics::millis_between(*watched.received, steady::now());
    // Counted before the page hears of it: the next stats include it.
    respond(req, label, a, id);
    flow->emit(event);
  }

  /// Sends `a` and counts it by route and status.
  void respond(const restinio::request_handle_t& req, std::string_view route,
               const answer& a, const request_id& id = request_id{}) {
    answers_.count(route, a.status);
    // Posted, never written inline: RESTinio 0.6.16 closes a connection
    // whose handler answers before returning while pipelined requests wait
    // in its buffer ("response_context_table is full"), dropping them.
    ++unsent_;
    restinio::asio_ns::post(*io_, [this, req, a, id] {
      write_answer(req, a, id);
      --unsent_;
    });
  }

  /// Runs `body` in a short-lived actor that answers through `reply`
  /// once: reads never block an I/O thread.
  template <class Body>
  void spawn_lookup(Body body) {
    deps_.system->spawn([body](caf::event_based_actor* self) mutable {
      body(self);
    });
  }

  void get_user(const restinio::request_handle_t& req, std::string_view route,
                std::string text) {
    request_id trace{random_uuid()};
    auto id = canonical_id(std::move(text));
    if (!id) {
      // Text that is no UUID names no user.
      respond(req, route, answer_user(std::optional<stored_user>{}, trace),
              trace);
      return;
    }
    if (!admit_lookup()) {
      respond(req, route, lookups_refused(trace), trace);
      return;
    }
    auto reply = [this, req, route,
                  trace](caf::expected<std::optional<stored_user>> found) {
      --lookups_;
      respond(req, route, answer_user(found, trace), trace);
    };
    spawn_lookup([reader = deps_.reader, user = user_uuid{std::move(*id)},
                  reply](caf::event_based_actor* self) {
      self
        ->request(reader, read_timeout, find_user_atom::value, user,
                  lookup_deadline())
        .then(
          [reply](user_lookup& x) {
            reply(std::move(x.user));
          },
          [reply](caf::error& err) {
            reply(as_read_failure(err));
          });
    });
  }

  void get_request(const restinio::request_handle_t& req,
                   std::string_view route, std::string text) {
    auto canonical = canonical_id(std::move(text));
    if (!canonical) {
      respond(req, route, unknown_request_id());
      return;
    }
    request_id id{std::move(*canonical)};
    auto query = attempt_of(req);
    if (!query) {
      respond(req, route, malformed_status_query(id), id);
      return;
    }
    if (!admit_lookup()) {
      respond(req, route, lookups_refused(id), id);
      return;
    }
    auto attempt = std::move(*query);
    auto reply = [this, req, route, id, attempt](
                   caf::expected<std::optional<outcome>> stored, bool pending,
                   std::optional<user_name> also_duplicated) {
      --lookups_;
      respond(
        req, route,
        answer_request_status(stored, pending, id, attempt, also_duplicated),
        id);
    };
    auto create_user_status = [reader = deps_.reader, registry = deps_.registry,
                               id, reply](caf::event_based_actor* self) {
      look_up_create_user(self, reader, registry, id, reply);
    };
    if (cfg_.routes.empty()) {
      spawn_lookup(create_user_status);
      return;
    }
    // A configured route's request is in the gateway's store; any other is
    // create-user's.
    auto route_status = [this, req, route, id](const gateway_entry& entry) {
      --lookups_;
      respond(req, route, answer_route_status(entry, route_named(entry.route)),
              id);
    };
    spawn_lookup([keeper = deps_.keeper, id, route_status, create_user_status,
                  reply](caf::event_based_actor* self) {
      self
        ->request(keeper, read_timeout, find_request_atom::value, id,
                  lookup_deadline())
        .then(
          [self, route_status, create_user_status](gateway_lookup& found) {
            if (found.entry)
              route_status(*found.entry);
            else
              create_user_status(self);
          },
          [reply](caf::error& err) {
            reply(as_read_failure(err), false, std::nullopt);
          });
    });
  }

  /// The reply to a status poll of create-user's: whether it is pending
  /// here, and what the database holds.
  using status_reply = std::function<void(caf::expected<std::optional<outcome>>,
                                          bool, std::optional<user_name>)>;

  /// Looks up a create-user request's status and hands it to `reply`.
  static void look_up_create_user(caf::event_based_actor* self,
                                  const reader_actor& reader,
                                  const registry_actor& registry,
                                  const request_id& id, status_reply reply) {
    // This server's memory first, the database second: the worker writes
    // the database before it publishes the outcome that ends "pending"
    // here, so a request pending at the first look and decided since is in
    // the database at the second. The other order left a window in which a
    // request that had just finished was neither (a 404).
    {
      self->request(registry, read_timeout, pending_atom::value, id)
        .then(
          [self, reader, id, reply](bool pending) {
            self
              ->request(reader, read_timeout, find_request_atom::value, id,
                        lookup_deadline())
              .then(
                [reply, pending](request_lookup& x) {
                  reply(std::move(x.result), pending,
                        std::move(x.also_duplicated));
                },
                [reply](caf::error& err) {
                  reply(as_read_failure(err), false, std::nullopt);
                });
          },
          [reply](caf::error& err) {
            reply(as_read_failure(err), false, std::nullopt);
          });
    }
  }

  /// The configured route named `name`, if it still is.
  const config::route_spec* route_named(const std::string& name) const {
    for (const auto& route : cfg_.routes)
      if (route.name == name) return &route;
    return nullptr;
  }

  /// The name a status poll asks about (`?name=`, as the 202 of a keyed
  /// request points at it): nothing inside when none (or an empty one, which
  /// no request can carry) is named; nothing at all when the query cannot be
  /// read. Relaxed parsing: a hand-built URL may leave `'`, `(` or a space
  /// unescaped.
  static std::optional<std::optional<user_name>>
  attempt_of(const restinio::request_handle_t& req) {
    auto query = req->header().query();
    if (query.empty()) return std::optional<user_name>{};
    auto params
      = restinio::try_parse_query<restinio::parse_query_traits::relaxed>(query);
    if (!params) return std::nullopt;
    auto name = params->get_param("name");
    if (!name || name->empty()) return std::optional<user_name>{};
    return std::optional<user_name>{
      user_name{std::string{name->data(), name->size()}}};
  }

  void create_user(const restinio::request_handle_t& req,
                   std::string_view route) {
    auto watched = watch(req, route);
    // A request without the scope header is in the anonymous scope (""),
    // shared by every such client as all clients shared one before, rather
    // than refused: clients that never sent the header keep working, and a
    // deployment that requires it enforces that where identities are
    // checked (its gateway), which this header cannot do.
    std::optional<std::string_view> scope;
    if (!cfg_.idempotency_scope_header.empty())
      scope = header_of(req, cfg_.idempotency_scope_header).value_or("");
    create_user_input input{header_of(req, "Content-Type"),
                            header_of(req, "Idempotency-Key"), req->body(),
                            scope};
    auto parsed
      = parse_create_user(input, cfg_.max_body_bytes, request_id{random_uuid()},
                          cfg_.idempotency_secret);
    if (auto rejected = std::get_if<create_user_rejection>(&parsed)) {
      answer_request(req, route, create_user_route, answer_rejection(*rejected),
                     rejected->request, watched);
      return;
    }
    auto& command = std::get<create_user_command>(parsed);
    auto id = command.request;
    if (auto refused = admit(cfg_.request_topic)) {
      answer_request(req, route, create_user_route,
                     answer_for(std::move(refused), id), id, watched);
      return;
    }
    auto prefs = parse_prefer_fields(prefer_fields(req));
    auto deadline = request_deadline(prefs, cfg_.reply_timeout, cfg_.max_wait);
    // Under an Idempotency-Key another name may share the request ID: the
    // status URL then names this attempt's name.
    std::optional<user_name> attempt;
    if (header_of(req, "Idempotency-Key")) attempt = command.name;
    create_user_requested event{command.request, std::move(command.name)};
    auto reply_partition
      = deps_.reply_partition ? deps_.reply_partition() : std::nullopt;
    kafka::outgoing_record record{cfg_.request_topic,
                                  encode_request(event, reply_partition)};
    spawn_request(
      deps_, command.request, std::move(event.name), std::move(record),
      deadline, prefs.respond_async, create_user_route, cfg_.outcome_topic,
      watched,
      [this, req, route, id, prefs, deadline, attempt,
       watched](caf::expected<request_result> result) {
        auto created
          = result
              ? caf::expected<outcome>{std::get<outcome>(std::move(*result))}
              : caf::expected<outcome>{result.error()};
        answer_request(req, route, create_user_route,
                       answer_create(created, id, attempt, prefs, deadline), id,
                       watched);
        release();
      });
  }

  /// Serves `req` when a configured route's path matches it (a 405 when
  /// none of those takes its method); false when none matches.
  bool serve_configured(const restinio::request_handle_t& req) {
    auto path = req->header().path();
    // As the router does for the built-in routes: one trailing slash goes.
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    std::string_view text{path.data(), path.size()};
    const config::route_spec* on_path = nullptr;
    std::string allow;
    for (const auto& route : cfg_.routes) {
      auto bound = route.path.match(text);
      if (!bound) continue;
      if (route.method == req->header().method().c_str()) {
        if (!decode_parameters(*bound)) {
          answer_request(req, route.name, route.name,
                         fresh_problem(400, "a path parameter is not valid "
                                            "percent-encoding"),
                         request_id{}, watch(req, route.path.text()));
          return true;
        }
        serve_route(req, route, std::move(*bound));
        return true;
      }
      if (!allow.empty()) allow += ", ";
      allow += route.method;
      on_path = &route;
    }
    if (!on_path) return false;
    answer_request(req, on_path->name, on_path->name,
                   method_not_allowed(allow.c_str()));
    return true;
  }

  /// Percent-decodes each path parameter's value in place; false when one
  /// cannot be decoded.
  static bool
  decode_parameters(std::vector<config::path_template::binding>& path) {
    for (auto& [name, value] : path) {
      if (value.find('%') == std::string::npos) continue;
      auto decoded = restinio::utils::try_unescape_percent_encoding<
        restinio::utils::relaxed_unescape_traits>(value);
      if (!decoded) return false;
      value = std::move(*decoded);
    }
    return true;
  }

  /// The key a route's request is stored under: the client's
  /// Idempotency-Key; when keys are scoped, the SHA-256 of the scope and
  /// the key (a scope such as Authorization may be long, and the store
  /// keeps keys of 255 bytes at most).
  std::string store_key(const restinio::request_handle_t& req,
                        std::string_view key) const {
    if (cfg_.idempotency_scope_header.empty()) return std::string{key};
    auto scope = header_of(req, cfg_.idempotency_scope_header).value_or("");
    // Length-prefixed, so ("ab", "c") and ("a", "bc") never meet.
    return sha256_hex(std::to_string(scope.size()) + ":" + std::string{scope}
                      + std::string{key});
  }

  /// One request of a configured route: checked, claimed in the gateway's
  /// store (a retried key is answered from there), then published and
  /// waited for like create-user's.
  void serve_route(const restinio::request_handle_t& req,
                   const config::route_spec& route,
                   std::vector<config::path_template::binding> path) {
    auto watched = watch(req, route.path.text());
    request_id id{random_uuid()};
    auto key = header_of(req, "Idempotency-Key");
    if (key && !is_valid_idempotency_key(*key)) {
      answer_request(
        req, route.name, route.name,
        answer_rejection(
          {id, input_problem::invalid_idempotency_key, idempotency_key_rule}),
        id, watched);
      return;
    }
    auto read = read_route_request(route, path, header_of(req, "Content-Type"),
                                   req->body());
    if (auto refused = std::get_if<body_refusal>(&read)) {
      answer_request(req, route.name, route.name,
                     answer_rejection({id, refused->problem, refused->detail}),
                     id, watched);
      return;
    }
    auto input = std::get<route_request>(std::move(read));
    if (auto refused = admit(route.request_topic)) {
      answer_request(req, route.name, route.name,
                     answer_for(std::move(refused), id), id, watched);
      return;
    }
    // The deadline runs from now: the claim's time is part of it.
    request_timing timing{parse_prefer_fields(prefer_fields(req)),
                          std::chrono::milliseconds{0},
                          std::chrono::steady_clock::now(), watched};
    timing.deadline = request_deadline(
      timing.prefs, route.reply_timeout.value_or(cfg_.reply_timeout),
      cfg_.max_wait);
    gateway_claim claim{
      .route = route.name,
      .idempotency_key
      = key ? std::optional<std::string>{store_key(req, *key)} : std::nullopt,
      .body_digest = sha256_hex(input.value),
      .request = id,
      .now = {},
      .retention = std::chrono::duration_cast<std::chrono::seconds>(
        cfg_.idempotency_retention)};
    // The callbacks run on an actor's thread, possibly while the server
    // stops and drops `deps_`: they hold the dependencies they use.
    auto deps = route_deps_;
    auto claimed = [this, deps, req, &route, path, id, timing,
                    input = std::move(input)](claim_result& result) mutable {
      if (auto known = answer_claim(result, route, path)) {
        answer_request(req, route.name, route.name, *known, result.request,
                       timing.watched);
        release();
        return;
      }
      auto left = remaining_deadline(
        timing.deadline, std::chrono::steady_clock::now() - timing.arrived);
      if (left.count() == 0 && !timing.prefs.respond_async) {
        // Never published: the key goes back for the client's retry.
        caf::anon_send(deps->keeper, release_atom::value, id);
        answer_request(
          req, route.name, route.name,
          answer_for(make_error(error_code::overloaded,
                                "the gateway's store took the whole "
                                "deadline"),
                     id),
          id, timing.watched);
        release();
        return;
      }
      publish_route(*deps, req, route, std::move(path), id, std::move(input),
                    timing, left);
    };
    auto failed = [this, deps, req, &route, id, watched](caf::error& err) {
      // The claim may have been stored after its asker stopped waiting:
      // give it back, or the key would answer 409 until it expires.
      caf::anon_send(deps->keeper, release_atom::value, id);
      auto why = err == caf::sec::request_timeout
                   ? make_error(error_code::overloaded,
                                "the gateway's store did not answer in time")
                   : as_read_failure(err);
      answer_request(req, route.name, route.name,
                     answer_for(std::move(why), id), id, watched);
      release();
    };
    // At least a second for the claim, as long as the deadline beyond, at
    // most the read endpoints' wait.
    auto claim_wait = std::clamp<std::chrono::milliseconds>(
      timing.deadline, min_claim_wait, read_timeout);
    spawn_lookup([keeper = deps->keeper, claim = std::move(claim), claimed,
                  failed, claim_wait](caf::event_based_actor* self) mutable {
      self
        ->request(keeper, claim_wait, claim_atom::value, std::move(claim),
                  caf::make_timestamp() + claim_wait)
        .then(std::move(claimed), std::move(failed));
    });
  }

  /// When a route's request arrived, and the deadline its client gets.
  struct request_timing {
    /// What the client asked for with `Prefer`.
    preferences prefs;
    /// The whole deadline, from `arrived`.
    std::chrono::milliseconds deadline;
    /// When the request arrived.
    std::chrono::steady_clock::time_point arrived;
    /// Its watchers, until the answer.
    request_watch watched;
  };

  /// Publishes a claimed route request, waiting `left` of its deadline, and
  /// answers once it ends.
  void publish_route(const server_dependencies& deps,
                     const restinio::request_handle_t& req,
                     const config::route_spec& route,
                     std::vector<config::path_template::binding> path,
                     const request_id& id, route_request input,
                     const request_timing& timing,
                     std::chrono::milliseconds left) {
    auto reply_partition = deps.route_reply_partition
                             ? deps.route_reply_partition(route.outcome_topic)
                             : std::nullopt;
    kafka::outgoing_record record{
      route.request_topic,
      encode_route_request(route.protocol, id, std::move(input.key),
                           std::move(input.value), route.outcome_topic,
                           reply_partition)};
    spawn_request(
      deps, id, std::nullopt, std::move(record), left,
      timing.prefs.respond_async, route.name, route.outcome_topic,
      timing.watched,
      [this, req, &route, path = std::move(path), id, prefs = timing.prefs,
       deadline = timing.deadline, keeper = deps.keeper,
       watched = timing.watched](caf::expected<request_result> result) {
        auto reply = result ? caf::expected<route_reply>{std::get<route_reply>(
                       std::move(*result))}
                            : caf::expected<route_reply>{result.error()};
        // Certainly never published: a retry with the key may go out.
        if (!result
            && (code_of(result.error()) == error_code::publish_failed
                || code_of(result.error()) == error_code::component_failed))
          caf::anon_send(keeper, release_atom::value, id);
        answer_request(req, route.name, route.name,
                       answer_route(reply, route, path, id, prefs, deadline),
                       id, watched);
        release();
      });
  }

  /// Spawns the actor of one request (create-user's when `name` is set, a
  /// route's otherwise): it publishes `record`, waits up to `deadline` and
  /// answers through `reply` once.
  void spawn_request(const server_dependencies& deps, request_id id,
                     std::optional<user_name> name,
                     kafka::outgoing_record record, caf::timespan deadline,
                     bool respond_async, std::string_view flow_route,
                     std::string_view outcome_topic,
                     const request_watch& watched, reply_function reply) {
    request_tracing trace;
    if (watched.span)
      trace = {.tracer = deps.tracer,
               .server_span = watched.span->context(),
               .outcome_topic = outcome_topic};
    deps.system->spawn(waiting_request,
                       request_context{.request = std::move(id),
                                       .name = std::move(name),
                                       .record = std::move(record),
                                       .deadline = deadline,
                                       .respond_async = respond_async,
                                       .produce_timeout = cfg_.produce_timeout,
                                       .registry = deps.registry,
                                       .producer = deps.producer,
                                       .reply = std::move(reply),
                                       .metrics = *deps.requests,
                                       .flow = deps.flow,
                                       .flow_route = flow_route,
                                       .trace = std::move(trace)});
  }

  /// Every `Prefer` field of `req`: RFC 7240 lets a client split its
  /// preferences over several.
  static std::vector<std::string_view>
  prefer_fields(const restinio::request_handle_t& req) {
    std::vector<std::string_view> result;
    req->header().for_each_value_of(
      restinio::http_field::prefer, [&](restinio::string_view_t value) {
        result.emplace_back(value.data(), value.size());
        return restinio::http_header_fields_t::continue_enumeration();
      });
    return result;
  }

  /// Counts a request to `topic` in; or why not: draining, the topic
  /// cannot take a write now (refused at once: a write would only time
  /// out), or at the in-flight limit.
  caf::error admit(const std::string& topic) {
    if (draining_)
      return make_error(error_code::draining, "the server is shutting down");
    if (deps_.unwritable)
      if (auto reason = deps_.unwritable(topic))
        return make_error(error_code::publish_failed, std::move(*reason));
    if (++in_flight_ > cfg_.max_in_flight) {
      release();
      return make_error(error_code::overloaded,
                        "too many requests in flight (maxInFlight "
                          + std::to_string(cfg_.max_in_flight) + ")");
    }
    return {};
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
  /// The same, shared with the callbacks of configured routes' claims,
  /// which run on actor threads and may outlive `stop()`.
  std::shared_ptr<const server_dependencies> route_deps_;
  /// Answers by route and status, in `deps_.metrics`.
  answer_counters answers_;
  /// `deps_.flow`, kept past `stop()` for the answers of late request
  /// actors (the hub outlives the server).
  flow_hub* const flow_;
  /// Outlives RESTinio's threads: late answers post here (see the header).
  std::shared_ptr<restinio::asio_ns::io_context> io_;
  restinio::running_server_handle_t<traits> instance_;
  /// Set once shutdown begins; new requests (create-user's and routes')
  /// get 503.
  std::atomic<bool> draining_{false};
  /// Requests (create-user's and routes') admitted and not yet answered.
  std::atomic<size_t> in_flight_{0};
  /// Lookups (GET /users/<uuid>, GET /requests/<id>) not yet answered.
  std::atomic<size_t> lookups_{0};
  /// Answers posted to the I/O context and not yet handed to RESTinio.
  std::atomic<size_t> unsent_{0};
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
