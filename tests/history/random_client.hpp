#pragma once

// A seeded random client of a history run. Each client thread draws its
// operations from its own std::mt19937_64 (seeded from the run's seed and
// its number), so a seed replays the same operation sequence per client;
// what the servers answer depends on timing, as in production.
//
// Names and keys are drawn from small pools that change every few seconds
// (an "epoch"), so clients collide on them on purpose: duplicate names,
// names equal only case-insensitively ("Ann"/"ann"), Idempotency-Keys
// shared by clients with the same and with another name, concurrently
// (issue 14, item 1) and one after the other, on one and on two servers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "tests/history/deployment.hpp"
#include "tests/history/recorder.hpp"
#include "tests/integration/http_client.hpp"

namespace semiasync::testing::history {

/// What every client of a run shares.
struct client_context {
  /// The run's seed.
  uint64_t seed = 0;
  /// Every name and key of the run starts with this.
  std::string prefix;
  /// The processes.
  const deployment* target = nullptr;
  /// The log.
  recorder* log = nullptr;
  /// Set when the clients must stop starting operations.
  const std::atomic<bool>* stop = nullptr;
  /// Longest wait for one answer (above every server deadline).
  std::chrono::milliseconds answer_timeout{15000};
};

/// One client thread's loop.
class random_client {
public:
  /// Client number `id` of `ctx`.
  random_client(int id, const client_context& ctx);

  /// Runs operations until `ctx.stop` is set.
  void run();

  /// The operations this client ran.
  size_t operations() const noexcept {
    return operations_;
  }

private:
  /// A POST /users; recorded; returns the exchange.
  exchange post(const std::string& op, int server, const std::string& name,
                const std::string& key, bool respond_async, int wait_seconds);

  /// A GET; recorded; returns the exchange.
  exchange get(const std::string& op, int server, const std::string& path,
               const std::string& name = {}, const std::string& key = {});

  /// Sends `req` to `server` and records the exchange `x` describes.
  exchange send(exchange x, const http_request& req);

  void one_operation();
  void op_key_race();
  void op_retry();
  void op_async();
  void op_hostile();

  /// Polls a 202's Location until it is decided or a few seconds passed.
  void poll(const exchange& accepted);

  /// Remembers what a later GET may ask about.
  void learn(const exchange& x);

  int pick_server();
  int64_t epoch() const;
  std::string fresh_name(const char* tag);
  std::string pool_name();
  std::string key_for_slot(int slot) const;
  std::string usual_name(int slot) const;
  std::string other_name(int slot);
  std::string case_variant(const std::string& name);
  std::string random_uuid_text();
  bool chance(double p);
  int uniform(int lo, int hi);
  void pause_ms(int lo, int hi);

  int id_;
  client_context ctx_;
  std::mt19937_64 rng_;
  size_t operations_ = 0;
  int counter_ = 0;
  /// Two requests of one operation may end at once.
  std::mutex learn_mtx_;
  std::vector<std::string> known_users_;
  std::vector<std::string> known_requests_;
};

} // namespace semiasync::testing::history
