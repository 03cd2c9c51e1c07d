#include "tests/history/random_client.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <thread>

#include "tests/hostile/raw_client.hpp"
#include "tests/integration/pipeline.hpp"

namespace semiasync::testing::history {

namespace {

using namespace std::chrono_literals;

/// Names and keys change this often, so every pool is fought over for a
/// while and fresh first uses keep coming.
constexpr int64_t epoch_ms = 4000;

/// Idempotency-Keys per epoch that all clients share.
constexpr int key_slots = 6;

/// Pool names per epoch; each appears in three spellings.
constexpr std::array<const char*, 5> pool_bases{"ann", "bob", "cy", "dee",
                                                "eve"};

/// How long a client polls a 202's status URL.
constexpr auto poll_limit = 8000ms;

/// Operation weights, in the order of `one_operation`'s switch.
constexpr std::array<int, 11> weights{14, 12, 14, 7, 9, 8, 9, 5, 6, 6, 3};

bool is_refusal(const std::string& error) {
  return error.find("Connection refused") != std::string::npos;
}

} // namespace

random_client::random_client(int id, const client_context& ctx)
  : id_(id),
    ctx_(ctx),
    rng_(ctx.seed ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(id + 1))) {
  // nop
}

void random_client::run() {
  while (!ctx_.stop->load()) {
    one_operation();
    ++operations_;
    pause_ms(10, 80);
  }
}

// -- drawing
// -------------------------------------------------------------------

bool random_client::chance(double p) {
  return std::uniform_real_distribution<double>{0, 1}(rng_) < p;
}

int random_client::uniform(int lo, int hi) {
  return std::uniform_int_distribution<int>{lo, hi}(rng_);
}

void random_client::pause_ms(int lo, int hi) {
  std::this_thread::sleep_for(std::chrono::milliseconds{uniform(lo, hi)});
}

int random_client::pick_server() {
  return uniform(0, ctx_.target->servers() - 1);
}

int64_t random_client::epoch() const {
  return ctx_.log->now_ms() / epoch_ms;
}

std::string random_client::fresh_name(const char* tag) {
  return ctx_.prefix + tag + std::to_string(id_) + "-"
         + std::to_string(++counter_);
}

std::string random_client::case_variant(const std::string& name) {
  // Only the part after the prefix changes case: the prefix finds the rows.
  auto result = name;
  auto flip_all = chance(0.5);
  bool first = true;
  for (size_t i = ctx_.prefix.size(); i < result.size(); ++i) {
    auto c = static_cast<unsigned char>(result[i]);
    if (!std::isalpha(c)) continue;
    if (flip_all || first)
      result[i] = static_cast<char>(std::islower(c) ? std::toupper(c)
                                                    : std::tolower(c));
    first = false;
  }
  return result;
}

std::string random_client::pool_name() {
  std::string base = pool_bases[static_cast<size_t>(
    uniform(0, static_cast<int>(pool_bases.size()) - 1))];
  auto name = ctx_.prefix + "e" + std::to_string(epoch()) + "-" + base;
  return chance(0.5) ? name : case_variant(name);
}

std::string random_client::key_for_slot(int slot) const {
  return ctx_.prefix + "k" + std::to_string(epoch()) + "-"
         + std::to_string(slot);
}

std::string random_client::usual_name(int slot) const {
  return ctx_.prefix + "e" + std::to_string(epoch()) + "-key"
         + std::to_string(slot);
}

std::string random_client::other_name(int slot) {
  switch (uniform(0, 3)) {
    case 0: return pool_name();
    case 1: return case_variant(usual_name(slot));
    case 2: return usual_name((slot + uniform(1, key_slots - 1)) % key_slots);
    default: return fresh_name("o");
  }
}

std::string random_client::random_uuid_text() {
  std::uniform_int_distribution<int> hex{0, 15};
  const char* digits = "0123456789abcdef";
  std::string result;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) result += '-';
    int d = hex(rng_);
    if (i == 12) d = 4;
    if (i == 16) d = 8 + (d & 3);
    result += digits[d];
  }
  return result;
}

// -- sending
// -------------------------------------------------------------------

exchange random_client::send(exchange x, const http_request& req) {
  x.client = id_;
  x.method = req.method;
  x.path = req.path;
  auto port = ctx_.target->server_port(x.server);
  x.start_ms = ctx_.log->now_ms();
  try {
    auto resp = http_send(port, req, ctx_.answer_timeout);
    x.answered = true;
    x.status = resp.status;
    x.body = resp.body;
    x.request_id = resp.header("X-Request-Id").value_or("");
    x.location = resp.header("Location").value_or("");
  } catch (const http_error& err) {
    x.error = err.what();
    x.refused = is_refusal(x.error);
  }
  x.end_ms = ctx_.log->now_ms();
  x.index = ctx_.log->add(x);
  learn(x);
  return x;
}

exchange random_client::post(const std::string& op, int server,
                             const std::string& name, const std::string& key,
                             bool respond_async, int wait_seconds) {
  exchange x;
  x.op = op;
  x.server = server;
  x.name = name;
  x.key = key;
  x.respond_async = respond_async;
  x.wait_seconds = wait_seconds;
  http_headers headers;
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  std::string prefer;
  if (respond_async) prefer = "respond-async";
  if (wait_seconds > 0)
    prefer += (prefer.empty() ? "" : ", ") + std::string{"wait="}
              + std::to_string(wait_seconds);
  if (!prefer.empty()) headers.emplace_back("Prefer", prefer);
  return send(std::move(x), json_post("/users", name_body(name), headers));
}

exchange random_client::get(const std::string& op, int server,
                            const std::string& path, const std::string& name,
                            const std::string& key) {
  exchange x;
  x.op = op;
  x.server = server;
  x.name = name;
  x.key = key;
  return send(std::move(x), http_request{"GET", path, {}, {}});
}

void random_client::learn(const exchange& x) {
  if (!x.answered || !x.is_create()) return;
  std::lock_guard<std::mutex> guard{learn_mtx_};
  if (!x.request_id.empty()) known_requests_.push_back(x.request_id);
  if (x.status == 201 && x.location.rfind("/users/", 0) == 0)
    known_users_.push_back(x.location.substr(7));
}

// -- operations
// ----------------------------------------------------------------

void random_client::one_operation() {
  std::discrete_distribution<int> pick{weights.begin(), weights.end()};
  int slot = uniform(0, key_slots - 1);
  switch (pick(rng_)) {
    case 0: // a fresh name, sometimes with a short wait
      post("fresh", pick_server(), fresh_name("f"), {}, false,
           chance(0.1) ? uniform(1, 3) : 0);
      break;
    case 1: // a name from the pool: duplicates and case variants
      post("pool", pick_server(), pool_name(), {}, false, 0);
      break;
    case 2: // a shared key with its usual name
      post("key-same", pick_server(), usual_name(slot), key_for_slot(slot),
           false, chance(0.15) ? uniform(1, 3) : 0);
      break;
    case 3: // a shared key with another name
      post("key-other", pick_server(), other_name(slot), key_for_slot(slot),
           false, 0);
      break;
    case 4: op_key_race(); break;
    case 5: op_retry(); break;
    case 6: op_async(); break;
    case 7: // Prefer: wait=N
      post("wait", pick_server(), chance(0.7) ? fresh_name("w") : pool_name(),
           {}, false, uniform(1, 3));
      break;
    case 8: {
      auto uuid = known_users_.empty() || chance(0.2)
                    ? random_uuid_text()
                    : known_users_[static_cast<size_t>(
                      uniform(0, static_cast<int>(known_users_.size()) - 1))];
      get("get-user", pick_server(), "/users/" + uuid);
      break;
    }
    case 9: {
      auto id = known_requests_.empty() || chance(0.2)
                  ? random_uuid_text()
                  : known_requests_[static_cast<size_t>(
                    uniform(0, static_cast<int>(known_requests_.size()) - 1))];
      get("get-request", pick_server(), "/requests/" + id);
      break;
    }
    default: op_hostile(); break;
  }
}

void random_client::op_key_race() {
  // Two requests with one key and two names, in flight together: the shape
  // of issue 14's item 1. Mostly a key nobody used yet (both are first
  // uses), else a shared slot's key.
  std::string key;
  std::string a;
  std::string b;
  if (chance(0.6)) {
    key = fresh_name("r");
    a = fresh_name("ra");
    b = chance(0.25) ? case_variant(a) : fresh_name("rb");
  } else {
    int slot = uniform(0, key_slots - 1);
    key = key_for_slot(slot);
    a = usual_name(slot);
    b = other_name(slot);
  }
  int server_a = pick_server();
  int server_b = chance(0.5) ? server_a : pick_server();
  bool async_a = chance(0.2);
  bool async_b = chance(0.2);
  int wait_a = chance(0.2) ? uniform(1, 3) : 0;
  int wait_b = chance(0.2) ? uniform(1, 3) : 0;
  exchange first;
  std::thread other{[&] {
    first = post("key-race", server_a, a, key, async_a, wait_a);
  }};
  auto second = post("key-race", server_b, b, key, async_b, wait_b);
  other.join();
  for (auto* x : {&first, &second})
    if (x->answered && x->status == 202) poll(*x);
}

void random_client::op_retry() {
  // A client that retries with its key: after a failure, or just again,
  // sometimes concurrently, on the same or another server.
  bool fresh_key = chance(0.5);
  int slot = uniform(0, key_slots - 1);
  auto key = fresh_key ? fresh_name("t") : key_for_slot(slot);
  auto name = fresh_key ? fresh_name("tn") : usual_name(slot);
  int attempts = uniform(2, 3);
  if (chance(0.3)) {
    int server_a = pick_server();
    int server_b = pick_server();
    std::thread other{[&] {
      post("retry", server_a, name, key, false, 0);
    }};
    post("retry", server_b, name, key, false, 0);
    other.join();
    return;
  }
  for (int i = 0; i < attempts; ++i) {
    auto x = post("retry", pick_server(), name, key, false, 0);
    if (x.answered && x.status != 503 && x.status != 504 && chance(0.5)) break;
    pause_ms(0, 300);
  }
}

void random_client::op_async() {
  std::string name;
  std::string key;
  switch (uniform(0, 4)) {
    case 0: name = pool_name(); break;
    case 1: {
      int slot = uniform(0, key_slots - 1);
      key = key_for_slot(slot);
      name = chance(0.7) ? usual_name(slot) : other_name(slot);
      break;
    }
    default: name = fresh_name("a"); break;
  }
  auto x = post("async", pick_server(), name, key, true, chance(0.3) ? 1 : 0);
  if (x.answered && x.status == 202) poll(x);
}

void random_client::poll(const exchange& accepted) {
  if (accepted.location.rfind("/requests/", 0) != 0) return;
  auto until = ctx_.log->now_ms() + poll_limit.count();
  int server = chance(0.5) ? accepted.server : pick_server();
  while (ctx_.log->now_ms() < until) {
    pause_ms(250, 600);
    auto x
      = get("poll", server, accepted.location, accepted.name, accepted.key);
    if (x.answered && x.status != 202 && x.status != 404) return;
  }
}

void random_client::op_hostile() {
  // Connections that must not disturb anyone else: the checker judges the
  // others' answers and the health probes, not these.
  exchange x;
  x.client = id_;
  x.server = pick_server();
  x.method = "POST";
  x.path = "/users";
  auto port = ctx_.target->server_port(x.server);
  int kind = uniform(0, 2);
  int garbage_length = uniform(16, 600);
  x.op = kind == 0   ? "hostile-garbage"
         : kind == 1 ? "hostile-slow"
                     : "hostile-oversize";
  x.start_ms = ctx_.log->now_ms();
  try {
    raw_connection conn{port, 3s};
    switch (kind) {
      case 0: {
        std::string bytes;
        for (int i = 0; i < garbage_length; ++i)
          bytes += static_cast<char>(uniform(0, 255));
        conn.send(bytes + "\r\n\r\n", 3s);
        conn.read_until_closed(3s);
        break;
      }
      case 1: {
        conn.send_paced("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: 20\r\n",
                        2, 150ms);
        conn.read_until_closed(1s);
        break;
      }
      default: {
        conn.send("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  "application/json\r\nContent-Length: 5000000\r\n\r\n",
                  3s);
        conn.send(std::string(200000, 'x'), 3s);
        conn.read_responses(1, 3s);
        break;
      }
    }
    x.answered = !conn.responses().empty();
    if (x.answered) x.status = conn.responses().front().status;
    x.error = conn.describe();
  } catch (const http_error& err) {
    x.error = err.what();
    x.refused = is_refusal(x.error);
  }
  x.end_ms = ctx_.log->now_ms();
  ctx_.log->add(std::move(x));
}

} // namespace semiasync::testing::history
