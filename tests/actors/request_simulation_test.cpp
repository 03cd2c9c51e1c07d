// Deterministic simulation of the actor layer (issue 14): seeded random
// interleavings of enrollments, outcomes (right, wrong name, duplicate,
// late), deadlines, publish results and actor deaths, on CAF's test
// coordinator. After every step, each client has at most one answer and any
// outcome it got is its own request's; at the end every client has exactly
// one answer, and the registry and the in-flight count are back to zero.
//
// SEMIASYNC_SIM_SEED=<n> replays one seed; SEMIASYNC_SIM_SEEDS=<n> runs more.

#include "actors/registry.hpp"
#include "actors/request.hpp"
#include "actors/request_metrics.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <caf/send.hpp>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <sstream>

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/as_outcome.hpp"
#include "tests/actors/fake_producer.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// One simulated HTTP client: what it asked and what it was told.
struct client {
  request_id id;
  user_name name;
  std::vector<caf::expected<outcome>> answers;
  request_actor actor;
};

/// A few IDs and names, so that keys and names collide often.
constexpr int id_pool = 3;
const std::vector<std::string> name_pool{"ann", "bob", "ANN"};

class simulation : public actor_fixture {
public:
  explicit simulation(uint64_t seed)
    : rng_(seed),
      log_(std::make_shared<fake_producer_log>()),
      counters_(request_metrics::bind(metrics_)),
      registry_(sys.spawn(registry, registry_settings{counters_, 1000})),
      producer_(sys.spawn(fake_producer, log_)) {
    sched.run();
  }

  ~simulation() {
    for (auto& c : clients_)
      caf::anon_send_exit(c->actor, caf::exit_reason::kill);
    caf::anon_send_exit(registry_, caf::exit_reason::kill);
    caf::anon_send_exit(producer_, caf::exit_reason::kill);
    sched.run();
  }

  /// One random step: an event from outside, or one job of a random actor.
  void step() {
    switch (pick(10)) {
      case 0: start_request(); break;
      case 1: deliver_outcome(); break;
      case 2: sched.advance_time(std::chrono::milliseconds{pick(3000)}); break;
      case 3: release_held(); break;
      case 4: kill_one(); break;
      default: run_one_job(); break;
    }
    check_answers_so_far();
  }

  /// Lets everything end: held publishes acknowledged, time past every
  /// deadline, all jobs run.
  void settle() {
    log_->mode = publish_mode::ack;
    for (int round = 0; round < 5; ++round) {
      sched.run();
      for (size_t i = 0; i < log_->held.size(); ++i)
        if (log_->held[i].pending())
          caf::anon_send(producer_, delivered_atom::value, uint64_t{i},
                         caf::error{}, kafka::record_position{});
      sched.run();
      sched.advance_time(std::chrono::seconds{60});
      sched.run();
    }
  }

  /// The end state: one answer each, nothing waiting, nothing in flight.
  void check_final() {
    check_answers_so_far();
    for (auto& c : clients_) {
      INFO(describe(*c));
      CHECK(c->answers.size() == 1);
    }
    CHECK(in_flight_ == 0);
    CHECK(ask<registry_stats>(registry_, stats_atom::value).waiting == 0);
  }

  /// How many clients the run had.
  size_t clients() const {
    return clients_.size();
  }

private:
  uint64_t pick(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>{0, n - 1}(rng_);
  }

  void start_request() {
    auto c = std::make_shared<client>();
    c->id = numbered_request_id(static_cast<int>(pick(id_pool)));
    c->name = user_name{name_pool[pick(name_pool.size())]};
    log_->mode = static_cast<publish_mode>(pick(4));
    bool async = pick(2) == 0;
    auto deadline = async ? caf::timespan{0} : caf::timespan{pick(3) * 1s};
    ++in_flight_;
    std::weak_ptr<client> weak = c;
    request_context ctx{c->id,
                        c->name,
                        {"requests", encode_request({c->id, c->name})},
                        deadline,
                        async,
                        2000ms,
                        registry_,
                        producer_,
                        [this, weak](caf::expected<request_result> result) {
                          // The server releases its in-flight slot here.
                          --in_flight_;
                          if (auto x = weak.lock())
                            x->answers.push_back(as_outcome(result));
                        },
                        counters_};
    c->actor = sys.spawn(waiting_request, std::move(ctx));
    clients_.push_back(std::move(c));
  }

  void deliver_outcome() {
    auto id = numbered_request_id(static_cast<int>(pick(id_pool)));
    user_name name{name_pool[pick(name_pool.size())]};
    outcome x;
    switch (pick(3)) {
      case 0:
        x = user_created{id, user_uuid{"11111111-2222-4333-8444-555555555555"},
                         name};
        break;
      case 1: x = user_duplicated{id, name}; break;
      default:
        x = user_rejected{id, name, error_code::request_id_conflict, "reused"};
    }
    caf::anon_send(registry_, outcome_atom::value, std::move(x));
  }

  void release_held() {
    if (log_->held.empty()) return;
    auto i = pick(log_->held.size());
    if (!log_->held[i].pending()) return;
    caf::error result;
    switch (pick(3)) {
      case 0: break;
      case 1: result = make_error(error_code::publish_failed, "down"); break;
      default: result = make_error(error_code::publish_uncertain, "maybe");
    }
    caf::anon_send(producer_, delivered_atom::value, uint64_t{i},
                   std::move(result), kafka::record_position{});
  }

  void kill_one() {
    if (clients_.empty()) return;
    auto& c = clients_[pick(clients_.size())];
    caf::anon_send_exit(c->actor, caf::exit_reason::kill);
  }

  /// Runs the job of a random actor that has one: actors interleave in
  /// any order, each still reading its own mailbox in order.
  void run_one_job() {
    if (!sched.has_job()) return;
    auto i = pick(sched.jobs.size());
    std::swap(sched.jobs.front(), sched.jobs[i]);
    sched.run_once();
  }

  void check_answers_so_far() {
    for (auto& c : clients_) {
      INFO(describe(*c));
      REQUIRE(c->answers.size() <= 1);
      if (c->answers.empty() || !c->answers.front()) continue;
      auto& got = *c->answers.front();
      CHECK(request_of(got) == c->id);
      CHECK(name_of(got) == c->name);
    }
  }

  static std::string describe(const client& c) {
    std::ostringstream out;
    out << "client " << c.id.value << " " << c.name.value << ": "
        << c.answers.size() << " answers";
    for (auto& a : c.answers)
      out << (a ? " outcome for " + name_of(*a).value
                : " error " + to_string(code_of(a.error())));
    return out.str();
  }

  std::mt19937_64 rng_;
  std::shared_ptr<fake_producer_log> log_;
  metrics::registry metrics_;
  request_metrics counters_;
  registry_actor registry_;
  producer_actor producer_;
  std::vector<std::shared_ptr<client>> clients_;
  /// Requests spawned and not answered, as the server counts them.
  int64_t in_flight_ = 0;
};

/// The seeds to run: one from SEMIASYNC_SIM_SEED, else 1..N.
std::vector<uint64_t> seeds() {
  if (auto one = std::getenv("SEMIASYNC_SIM_SEED"))
    return {std::strtoull(one, nullptr, 10)};
  uint64_t n = 200;
  if (auto many = std::getenv("SEMIASYNC_SIM_SEEDS"))
    n = std::strtoull(many, nullptr, 10);
  std::vector<uint64_t> result;
  for (uint64_t i = 1; i <= n; ++i)
    result.push_back(i);
  return result;
}

} // namespace

TEST_CASE("seeded interleavings answer every request once, with its own "
          "outcome, and leave nothing behind",
          "[simulation]") {
  size_t total_clients = 0;
  for (auto seed : seeds()) {
    INFO("seed " << seed << " (replay: SEMIASYNC_SIM_SEED=" << seed << ")");
    simulation sim{seed};
    for (int i = 0; i < 400; ++i)
      sim.step();
    sim.settle();
    sim.check_final();
    total_clients += sim.clients();
  }
  // The runs did something.
  CHECK(total_clients > 0);
}
