#pragma once

// The registry, a fake producer and request actors spawned against them, on
// CAF's deterministic scheduler: shared by the request actor's tests.

#include "actors/registry.hpp"
#include "actors/request.hpp"
#include "actors/request_metrics.hpp"
#include "kafka/route_codec.hpp"
#include "kafka/wire_codec.hpp"

#include <caf/send.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/as_outcome.hpp"
#include "tests/actors/fake_producer.hpp"
#include "tests/support/ids.hpp"

namespace semiasync::testing {

/// How long a request waits for its outcome by default.
constexpr auto deadline = std::chrono::milliseconds{5000};
/// How long the producer may take by default.
constexpr auto produce_timeout = std::chrono::milliseconds{2000};

/// The registry, a fake producer, and the replies request actors gave.
struct flow_fixture : actor_fixture {
  explicit flow_fixture(size_t max_pending = 100000)
    : log(std::make_shared<fake_producer_log>()),
      counters(request_metrics::bind(metrics)),
      registry_handle(
        sys.spawn(registry, registry_settings{counters, max_pending})),
      producer_handle(sys.spawn(fake_producer, log)) {
    sched.run();
  }

  /// Spawns a request actor for `id`; its reply lands in `replies[id]`.
  request_actor start_request(const request_id& id, const std::string& name,
                              bool respond_async = false,
                              caf::timespan wait = deadline) {
    create_user_requested event{id, user_name{name}};
    request_context ctx{id,
                        event.name,
                        {"requests", encode_request(event, reply_partition)},
                        wait,
                        respond_async,
                        produce_timeout,
                        registry_handle,
                        producer_handle,
                        [this, id](caf::expected<request_result> result) {
                          replies[id.value].push_back(as_outcome(result));
                        },
                        counters};
    ctx.flow = flow;
    ctx.flow_route = "create-user";
    ctx.trace = trace;
    auto handle = sys.spawn(waiting_request, std::move(ctx));
    spawned.push_back(handle);
    return handle;
  }

  /// Spawns a configured route's request actor for `id`; its reply lands
  /// in `route_replies[id]`.
  request_actor start_route_request(const request_id& id) {
    request_context ctx{
      id,
      std::nullopt,
      {"orders", encode_route_request(config::reply_protocol::semiasync, id,
                                      "k", "{}", "order_outcomes")},
      deadline,
      false,
      produce_timeout,
      registry_handle,
      producer_handle,
      [this, id](caf::expected<request_result> result) {
        route_replies[id.value].push_back(std::move(result));
      },
      counters};
    auto handle = sys.spawn(waiting_request, std::move(ctx));
    spawned.push_back(handle);
    return handle;
  }

  /// The test scheduler cannot shut down while actors still wait for
  /// timeouts that will never fire: end them first.
  ~flow_fixture() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::kill);
    caf::anon_send_exit(registry_handle, caf::exit_reason::kill);
    caf::anon_send_exit(producer_handle, caf::exit_reason::kill);
    sched.run();
  }

  registry_stats stats() {
    return ask<registry_stats>(registry_handle, stats_atom::value);
  }

  bool pending(const request_id& id) {
    return ask<bool>(registry_handle, pending_atom::value, id);
  }

  /// The only reply to `id`; fails the test unless there is exactly one.
  const caf::expected<outcome>& only_reply(const request_id& id) {
    auto& all = replies[id.value];
    REQUIRE(all.size() == 1);
    return all.front();
  }

  void deliver(outcome x) {
    caf::anon_send(registry_handle, outcome_atom::value, std::move(x));
    sched.run();
  }

  std::shared_ptr<fake_producer_log> log;
  metrics::registry metrics;
  request_metrics counters;
  registry_actor registry_handle;
  producer_actor producer_handle;
  std::map<std::string, std::vector<caf::expected<outcome>>> replies;
  std::map<std::string, std::vector<caf::expected<request_result>>>
    route_replies;
  std::vector<request_actor> spawned;
  /// What the next requests name as their reply partition (steered).
  std::optional<int32_t> reply_partition;
  /// Where the next create-user requests report their stages.
  metrics::flow_sink* flow = nullptr;
  /// How the next create-user requests are traced (off by default).
  request_tracing trace;
};

/// A created outcome for `id` and `name`.
inline user_created created(const request_id& id, const std::string& name) {
  return {id, user_uuid{"11111111-2222-4333-8444-555555555555"},
          user_name{name}};
}

} // namespace semiasync::testing
