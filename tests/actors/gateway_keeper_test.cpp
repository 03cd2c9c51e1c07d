// The gateway keeper on CAF's deterministic scheduler with the in-memory
// store: claims, a reply stored before the registry sees it, stale claims
// left untouched, releases, and the status lookup.

#include "actors/gateway_keeper.hpp"
#include "actors/registry.hpp"
#include "actors/request_metrics.hpp"
#include "domain/error.hpp"
#include "domain/sha256.hpp"
#include "domain/uuid.hpp"

#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"
#include "tests/domain/fake_gateway_store.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

struct keeper_fixture : actor_fixture {
  keeper_fixture()
    : store(std::make_shared<fake_gateway_store>()),
      counters(request_metrics::bind(metrics)),
      registry_handle(sys.spawn(registry, registry_settings{counters})),
      keeper(sys.spawn(gateway_keeper,
                       gateway_keeper_settings{.store = store,
                                               .registry = registry_handle,
                                               .now =
                                                 [this] {
                                                   return now;
                                                 },
                                               .purge_interval = 0s})) {
    sched.run();
  }

  ~keeper_fixture() {
    caf::anon_send_exit(keeper, caf::exit_reason::kill);
    caf::anon_send_exit(registry_handle, caf::exit_reason::kill);
    sched.run();
  }

  gateway_claim keyed(const std::string& key, const std::string& body) {
    return {"orders", key, sha256_hex(body), request_id{random_uuid()},
            {},       60s};
  }

  /// Claims `x` with an asker that waits until `deadline`.
  std::optional<claim_result> claim(const gateway_claim& x,
                                    caf::timestamp deadline) {
    caf::scoped_actor self{sys};
    std::optional<claim_result> result;
    auto handle
      = self->request(keeper, caf::infinite, claim_atom::value, x, deadline);
    sched.run();
    handle.receive(
      [&](claim_result& r) {
        result = std::move(r);
      },
      [&](caf::error& err) {
        error = err;
      });
    return result;
  }

  caf::timestamp now = caf::make_timestamp();
  std::shared_ptr<fake_gateway_store> store;
  metrics::registry metrics;
  request_metrics counters;
  registry_actor registry_handle;
  gateway_keeper_actor keeper;
  caf::error error;
};

} // namespace

TEST_CASE("the keeper claims, stores a reply before routing it, and "
          "answers a retried key from the store") {
  keeper_fixture f;
  auto first = f.keyed("k", "{}");
  auto won = f.claim(first, f.now + 5s);
  REQUIRE(won);
  CHECK(won->state == claim_state::claimed);
  auto busy = f.claim(f.keyed("k", "{}"), f.now + 5s);
  REQUIRE(busy);
  CHECK(busy->state == claim_state::in_flight);
  CHECK(busy->request == first.request);

  caf::anon_send(f.keeper, outcome_atom::value,
                 route_reply{first.request, "Done", R"({"a":1})"});
  f.sched.run();
  // Nobody waited: the registry dropped it, yet the store has it.
  CHECK(f.ask<registry_stats>(f.registry_handle, stats_atom::value).dropped
        == 1);
  auto again = f.claim(f.keyed("k", "{}"), f.now + 5s);
  REQUIRE(again);
  CHECK(again->state == claim_state::answered);
  REQUIRE(again->reply);
  CHECK(again->reply->value == R"({"a":1})");
  auto found = f.ask<gateway_lookup>(f.keeper, find_request_atom::value,
                                     first.request, f.now + 5s);
  REQUIRE(found.entry);
  CHECK(found.entry->route == "orders");
}

TEST_CASE("a claim whose asker stopped waiting is refused untouched, and a "
          "released claim frees its key") {
  keeper_fixture f;
  auto stale = f.keyed("k", "{}");
  CHECK_FALSE(f.claim(stale, f.now - 1ms));
  CHECK(code_of(f.error) == error_code::overloaded);
  auto first = f.keyed("k", "{}");
  REQUIRE(f.claim(first, f.now + 5s)->state == claim_state::claimed);
  caf::anon_send(f.keeper, release_atom::value, first.request);
  f.sched.run();
  auto retry = f.keyed("k", "{}");
  auto result = f.claim(retry, f.now + 5s);
  REQUIRE(result);
  CHECK(result->state == claim_state::claimed);
  CHECK(result->request == retry.request);
}

TEST_CASE("a reply the store refuses while the database is away is answered "
          "at once and stored once it is back") {
  keeper_fixture f;
  auto first = f.keyed("k", "{}");
  REQUIRE(f.claim(first, f.now + 5s)->state == claim_state::claimed);
  f.store->fail_next(fake_gateway_store::method::record_reply,
                     make_error(error_code::database_unavailable, "away"));
  caf::anon_send(f.keeper, outcome_atom::value,
                 route_reply{first.request, "Done", "{}"});
  f.sched.run();
  // Handed on at once (nobody waited here: dropped and counted).
  CHECK(f.ask<registry_stats>(f.registry_handle, stats_atom::value).dropped
        == 1);
  // Not stored yet: a retry of the key is told it is still in progress.
  CHECK(f.claim(f.keyed("k", "{}"), f.now + 5s)->state
        == claim_state::in_flight);
  f.sched.advance_time(1s);
  f.sched.run();
  auto later = f.claim(f.keyed("k", "{}"), f.now + 5s);
  REQUIRE(later);
  CHECK(later->state == claim_state::answered);
}

TEST_CASE("a release the store refuses while the database is away is tried "
          "again until the key is free") {
  keeper_fixture f;
  auto first = f.keyed("k", "{}");
  REQUIRE(f.claim(first, f.now + 5s)->state == claim_state::claimed);
  f.store->fail_next(fake_gateway_store::method::release,
                     make_error(error_code::database_unavailable, "away"));
  caf::anon_send(f.keeper, release_atom::value, first.request);
  f.sched.run();
  CHECK(f.claim(f.keyed("k", "{}"), f.now + 5s)->state
        == claim_state::in_flight);
  f.sched.advance_time(1s);
  f.sched.run();
  CHECK(f.claim(f.keyed("k", "{}"), f.now + 5s)->state == claim_state::claimed);
}
