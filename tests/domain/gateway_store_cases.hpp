#pragma once

// The behaviour every gateway store must show (domain/gateway_store.hpp),
// written once and run against each: the fake (tests/domain, unit) and
// MariaDB (tests/db, integration). A test file defines an environment type
// deriving from `gateway_store_env` and expands
// `SEMIASYNC_GATEWAY_STORE_CASES(env_type)` once.

#include "domain/error.hpp"
#include "domain/gateway_store.hpp"
#include "domain/sha256.hpp"
#include "domain/uuid.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace semiasync::testing {

/// What the cases need from the store under test.
class gateway_store_env {
public:
  virtual ~gateway_store_env() = default;

  /// A store. All stores of one environment share their entries, as
  /// gateway instances share one database.
  virtual std::unique_ptr<gateway_store> make_store() = 0;

  /// A route name unique to this test case, so runs never collide.
  virtual std::string route(const std::string& base) = 0;
};

namespace gateway_cases {

using std::chrono::milliseconds;
using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

/// 2030-01-01T00:00:00Z: the cases' clock, far from any real one.
inline const time_point t0 = from_stored_millis(1'893'456'000'000);

/// How a failure reads in a test report.
inline std::string describe(const caf::error& err) {
  if (code_of(err) == error_code::none) return caf::to_string(err);
  return to_string(code_of(err)) + ": " + detail_of(err);
}

/// The value inside `x`, failing the test with the error otherwise.
template <class T>
T ok(caf::expected<T> x) {
  if (!x) FAIL("unexpected error: " << describe(x.error()));
  return std::move(*x);
}

/// The code of the error inside `x`, `none` when it holds a value.
template <class T>
error_code code_of_failure(const caf::expected<T>& x) {
  return x ? error_code::none : code_of(x.error());
}

/// A digest standing for body `text`.
inline std::string digest(const std::string& text) {
  return sha256_hex(text);
}

/// A claim with a fresh request ID.
inline gateway_claim claim_of(std::string route, std::optional<std::string> key,
                              const std::string& body, time_point now,
                              seconds retention = seconds{60}) {
  return gateway_claim{std::move(route),
                       std::move(key),
                       digest(body),
                       request_id{random_uuid()},
                       now,
                       retention};
}

inline bool same_reply(const std::optional<stored_reply>& x,
                       const stored_reply& y) {
  return x && x->event_type == y.event_type && x->value == y.value;
}

inline void keyless_claims_always_win(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("keyless");
  auto first = claim_of(route, std::nullopt, "a", t0);
  auto result = ok(store->claim(first));
  CHECK(result.state == claim_state::claimed);
  CHECK(result.request == first.request);
  CHECK_FALSE(result.reply);
  CHECK(result.expires == t0 + seconds{60});
  // The same body again, without a key, is another request.
  auto second = claim_of(route, std::nullopt, "a", t0);
  auto again = ok(store->claim(second));
  CHECK(again.state == claim_state::claimed);
  CHECK(again.request == second.request);
  // Its entry serves the status URL and takes a late reply.
  auto entry = ok(store->find(first.request, t0 + seconds{1}));
  REQUIRE(entry);
  CHECK(entry->request == first.request);
  CHECK(entry->route == route);
  CHECK_FALSE(entry->reply);
  CHECK(entry->expires == t0 + seconds{60});
  stored_reply reply{"Done", R"({"ok":true})"};
  CHECK(ok(store->record_reply(first.request, reply, t0 + seconds{2})));
  entry = ok(store->find(first.request, t0 + seconds{3}));
  REQUIRE(entry);
  CHECK(same_reply(entry->reply, reply));
  CHECK_FALSE(ok(store->find(second.request, t0))->reply);
}

inline void a_repeated_key_is_in_flight_then_answered(gateway_store_env& env) {
  auto store = env.make_store();
  auto other_instance = env.make_store();
  auto route = env.route("repeat");
  auto first = claim_of(route, "key-1", "body", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  auto retry = claim_of(route, "key-1", "body", t0 + seconds{1});
  auto result = ok(store->claim(retry));
  CHECK(result.state == claim_state::in_flight);
  CHECK(result.request == first.request);
  CHECK_FALSE(result.reply);
  CHECK(result.expires == t0 + seconds{60});
  stored_reply reply{"Deposited", R"({"id":7})"};
  REQUIRE(ok(store->record_reply(first.request, reply, t0 + seconds{2})));
  // On any instance, the stored answer.
  auto later = claim_of(route, "key-1", "body", t0 + seconds{3});
  result = ok(other_instance->claim(later));
  CHECK(result.state == claim_state::answered);
  CHECK(result.request == first.request);
  CHECK(same_reply(result.reply, reply));
  CHECK(result.expires == t0 + seconds{60});
  // Claims that lost made no entry of their own.
  CHECK_FALSE(ok(store->find(retry.request, t0 + seconds{3})));
  CHECK_FALSE(ok(store->find(later.request, t0 + seconds{3})));
}

inline void another_body_is_a_mismatch(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("mismatch");
  auto first = claim_of(route, "key-1", "body-1", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  auto result = ok(store->claim(claim_of(route, "key-1", "body-2", t0)));
  CHECK(result.state == claim_state::body_mismatch);
  CHECK(result.request == first.request);
  CHECK_FALSE(result.reply);
  stored_reply reply{"Done", "{}"};
  REQUIRE(ok(store->record_reply(first.request, reply, t0)));
  // Answered or not, another body never gets the stored answer.
  result = ok(store->claim(claim_of(route, "key-1", "body-2", t0)));
  CHECK(result.state == claim_state::body_mismatch);
  CHECK_FALSE(result.reply);
  result = ok(store->claim(claim_of(route, "key-1", "body-1", t0)));
  CHECK(result.state == claim_state::answered);
}

inline void an_expired_entry_is_replaced(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("expiry");
  auto first = claim_of(route, "key-1", "body-1", t0, seconds{10});
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  REQUIRE(ok(store->record_reply(first.request, {"Done", "1"}, t0)));
  // Live up to the last millisecond before its expiry...
  auto result = ok(store->claim(
    claim_of(route, "key-1", "body-1", t0 + seconds{10} - milliseconds{1})));
  CHECK(result.state == claim_state::answered);
  // ...absent from its expiry on, whatever the body.
  auto second = claim_of(route, "key-1", "body-2", t0 + seconds{10});
  result = ok(store->claim(second));
  CHECK(result.state == claim_state::claimed);
  CHECK(result.request == second.request);
  CHECK(result.expires == t0 + seconds{70});
  // The replaced entry is forgotten, even at a time it was live.
  CHECK_FALSE(ok(store->find(first.request, t0 + seconds{1})));
  CHECK_FALSE(
    ok(store->record_reply(first.request, {"Late", "2"}, t0 + seconds{1})));
  // The new one holds the key.
  result
    = ok(store->claim(claim_of(route, "key-1", "body-2", t0 + seconds{11})));
  CHECK(result.state == claim_state::in_flight);
  CHECK(result.request == second.request);
}

inline void the_first_reply_wins(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("first-reply");
  auto first = claim_of(route, "key-1", "body", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  stored_reply one{"Done", "one"};
  stored_reply two{"Failed", "two"};
  CHECK(ok(store->record_reply(first.request, one, t0)));
  CHECK_FALSE(ok(store->record_reply(first.request, two, t0)));
  CHECK(same_reply(ok(store->find(first.request, t0))->reply, one));
  auto result = ok(store->claim(claim_of(route, "key-1", "body", t0)));
  CHECK(same_reply(result.reply, one));
}

inline void unknown_and_expired_requests_are_not_found(gateway_store_env& env) {
  auto store = env.make_store();
  auto unknown = request_id{random_uuid()};
  CHECK_FALSE(ok(store->find(unknown, t0)));
  CHECK_FALSE(ok(store->record_reply(unknown, {"Done", "{}"}, t0)));
  auto first
    = claim_of(env.route("expired"), std::nullopt, "a", t0, seconds{10});
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  CHECK(ok(store->find(first.request, t0 + seconds{10} - milliseconds{1})));
  CHECK_FALSE(ok(store->find(first.request, t0 + seconds{10})));
  // Too late to answer: the reply is not ours any more.
  CHECK_FALSE(
    ok(store->record_reply(first.request, {"Done", "{}"}, t0 + seconds{10})));
  CHECK_FALSE(ok(store->find(first.request, t0))->reply);
}

inline void purge_deletes_expired_entries_oldest_first(gateway_store_env& env) {
  auto store = env.make_store();
  // 1990: a clock of its own, so the purges below meet only these entries
  // (other cases run in 2030, real ones now); leftovers of an interrupted
  // run are purged first.
  auto tp = from_stored_millis(631'152'000'000);
  ok(store->purge_expired(from_stored_millis(946'684'800'000), 1'000'000));
  auto route = env.route("purge");
  auto e1 = claim_of(route, std::nullopt, "1", tp, seconds{1});
  auto e2 = claim_of(route, "key-2", "2", tp, seconds{2});
  auto e3 = claim_of(route, "key-3", "3", tp, seconds{3});
  auto live = claim_of(route, std::nullopt, "4", tp, seconds{100});
  for (auto* x : {&e3, &e1, &live, &e2})
    REQUIRE(ok(store->claim(*x)).state == claim_state::claimed);
  auto now = tp + seconds{50};
  CHECK(ok(store->purge_expired(now, 0)) == 0);
  CHECK(ok(store->purge_expired(now, 2)) == 2);
  // Gone for good, even when asked at a time they were live.
  CHECK_FALSE(ok(store->find(e1.request, tp)));
  CHECK_FALSE(ok(store->find(e2.request, tp)));
  CHECK(ok(store->find(e3.request, tp)));
  CHECK(ok(store->purge_expired(now, 10)) == 1);
  CHECK_FALSE(ok(store->find(e3.request, tp)));
  CHECK(ok(store->purge_expired(now, 10)) == 0);
  CHECK(ok(store->find(live.request, now)));
  // A purged key is free again.
  auto again = claim_of(route, "key-2", "other", now);
  CHECK(ok(store->claim(again)).state == claim_state::claimed);
}

inline void one_key_on_two_routes_is_two_entries(gateway_store_env& env) {
  auto store = env.make_store();
  auto a = env.route("route-a");
  auto b = env.route("route-b");
  auto on_a = claim_of(a, "shared-key", "body-a", t0);
  auto on_b = claim_of(b, "shared-key", "body-b", t0);
  REQUIRE(ok(store->claim(on_a)).state == claim_state::claimed);
  REQUIRE(ok(store->claim(on_b)).state == claim_state::claimed);
  REQUIRE(ok(store->record_reply(on_a.request, {"Done", "a"}, t0)));
  auto result = ok(store->claim(claim_of(a, "shared-key", "body-a", t0)));
  CHECK(result.state == claim_state::answered);
  CHECK(result.request == on_a.request);
  result = ok(store->claim(claim_of(b, "shared-key", "body-b", t0)));
  CHECK(result.state == claim_state::in_flight);
  CHECK(result.request == on_b.request);
}

inline void keys_compare_byte_for_byte(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("bytes");
  // 255 bytes of every kind: NUL, quote, backslash, high bytes.
  std::string key(255, 'k');
  key[0] = '\0';
  key[1] = '\'';
  key[2] = '\\';
  key[3] = '\xff';
  key[4] = '%';
  auto first = claim_of(route, key, "body", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  auto result = ok(store->claim(claim_of(route, key, "body", t0)));
  CHECK(result.state == claim_state::in_flight);
  CHECK(result.request == first.request);
  auto last_byte = key;
  last_byte.back() = 'K';
  CHECK(ok(store->claim(claim_of(route, last_byte, "body", t0))).state
        == claim_state::claimed);
  CHECK(ok(store->claim(claim_of(route, "abc", "body", t0))).state
        == claim_state::claimed);
  CHECK(ok(store->claim(claim_of(route, "ABC", "body", t0))).state
        == claim_state::claimed);
  CHECK(ok(store->claim(claim_of(route, "abc ", "body", t0))).state
        == claim_state::claimed);
}

inline void replies_are_kept_byte_for_byte(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("reply-bytes");
  std::string value = std::string{"\0\xff'\\\"%", 6} + std::string(70000, 'v');
  for (auto& reply :
       {stored_reply{"com.example.Deposited", value}, stored_reply{"", ""}}) {
    auto x = claim_of(route, random_uuid(), "body", t0);
    REQUIRE(ok(store->claim(x)).state == claim_state::claimed);
    REQUIRE(ok(store->record_reply(x.request, reply, t0)));
    CHECK(same_reply(ok(store->find(x.request, t0))->reply, reply));
    auto again = x;
    again.request = request_id{random_uuid()};
    auto result = ok(store->claim(again));
    CHECK(result.state == claim_state::answered);
    CHECK(same_reply(result.reply, reply));
  }
}

inline void claims_no_store_can_keep_are_refused(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("refused");
  auto refused = [&](gateway_claim x) {
    auto result = store->claim(x);
    CHECK(code_of_failure(result) == error_code::database_rejected);
    if (!result) CHECK_FALSE(is_transient(code_of(result.error())));
  };
  refused(claim_of(route, std::string(256, 'k'), "body", t0));
  refused(claim_of(route, std::string{}, "body", t0));
  refused(claim_of(std::string(256, 'r'), "key", "body", t0));
  refused(claim_of(std::string{}, "key", "body", t0));
  auto bad_digest = claim_of(route, "key", "body", t0);
  bad_digest.body_digest = std::string(64, 'A');
  refused(bad_digest);
  auto bad_request = claim_of(route, "key", "body", t0);
  bad_request.request = request_id{"not-a-uuid"};
  refused(bad_request);
  // Nothing was stored: the key is still free.
  CHECK(ok(store->claim(claim_of(route, "key", "body", t0))).state
        == claim_state::claimed);
  auto x = claim_of(route, std::nullopt, "body", t0);
  REQUIRE(ok(store->claim(x)).state == claim_state::claimed);
  auto too_long = store->record_reply(
    x.request, {std::string(max_reply_event_type_bytes + 1, 't'), "{}"}, t0);
  CHECK(code_of_failure(too_long) == error_code::database_rejected);
  CHECK_FALSE(ok(store->find(x.request, t0))->reply);
}

inline void a_request_id_names_one_entry(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("conflict");
  auto first = claim_of(route, std::nullopt, "body", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  auto same_id = first;
  CHECK(code_of_failure(store->claim(same_id))
        == error_code::request_id_conflict);
  same_id.idempotency_key = "fresh-key";
  CHECK(code_of_failure(store->claim(same_id))
        == error_code::request_id_conflict);
  // The failed claim left the key free.
  CHECK(ok(store->claim(claim_of(route, "fresh-key", "body", t0))).state
        == claim_state::claimed);
}

inline void times_are_kept_to_the_millisecond(gateway_store_env& env) {
  auto store = env.make_store();
  auto x = claim_of(env.route("millis"), "key", "body",
                    t0 + std::chrono::microseconds{1500}, seconds{5});
  auto result = ok(store->claim(x));
  CHECK(result.expires == t0 + milliseconds{1} + seconds{5});
  CHECK(ok(store->find(x.request, t0 + seconds{5})));
  CHECK_FALSE(ok(store->find(x.request, t0 + seconds{5} + milliseconds{1})));
}

inline void a_released_claim_frees_its_key(gateway_store_env& env) {
  auto store = env.make_store();
  auto route = env.route("release");
  auto first = claim_of(route, "key-r", "body", t0);
  REQUIRE(ok(store->claim(first)).state == claim_state::claimed);
  CHECK(ok(store->release(first.request)));
  CHECK_FALSE(ok(store->find(first.request, t0)));
  // The key is free: a retry is published, under its own request ID.
  auto retry = claim_of(route, "key-r", "body", t0 + seconds{1});
  auto result = ok(store->claim(retry));
  CHECK(result.state == claim_state::claimed);
  CHECK(result.request == retry.request);
  // An answered entry is never released: the key's promise stands.
  REQUIRE(ok(store->record_reply(retry.request, {"Done", "{}"}, t0)));
  CHECK_FALSE(ok(store->release(retry.request)));
  auto later = claim_of(route, "key-r", "body", t0 + seconds{2});
  CHECK(ok(store->claim(later)).state == claim_state::answered);
  CHECK_FALSE(ok(store->release(request_id{random_uuid()})));
}

} // namespace gateway_cases

} // namespace semiasync::testing

/// Defines one Catch test case per behaviour above, each with a fresh
/// `env_type` (which must derive from `gateway_store_env`).
#define SEMIASYNC_GATEWAY_STORE_CASE(env_type, name, function)                 \
  TEST_CASE_METHOD(env_type, "gateway store: " name, "[gateway_store]") {      \
    semiasync::testing::gateway_cases::function(*this);                        \
  }

/// Every behaviour case, against `env_type`.
#define SEMIASYNC_GATEWAY_STORE_CASES(env_type)                                \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "a claim without a key always wins, under its " \
                               "own request ID",                               \
                               keyless_claims_always_win)                      \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "a repeated key is in flight, then answered "   \
                               "with the stored reply on any instance",        \
                               a_repeated_key_is_in_flight_then_answered)      \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "a key reused with another body is a mismatch", \
                               another_body_is_a_mismatch)                     \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "an expired entry counts as absent and is "     \
                               "replaced",                                     \
                               an_expired_entry_is_replaced)                   \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type, "the first reply wins",               \
                               the_first_reply_wins)                           \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "a released claim frees its key; an answered "  \
                               "one is kept",                                  \
                               a_released_claim_frees_its_key)                 \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "unknown and expired requests are not found "   \
                               "and take no reply",                            \
                               unknown_and_expired_requests_are_not_found)     \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "purge deletes expired entries, oldest first, " \
                               "at most as many as asked",                     \
                               purge_deletes_expired_entries_oldest_first)     \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "one key on two routes is two entries",         \
                               one_key_on_two_routes_is_two_entries)           \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type, "keys compare byte for byte",         \
                               keys_compare_byte_for_byte)                     \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type, "replies are kept byte for byte",     \
                               replies_are_kept_byte_for_byte)                 \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "claims and replies no store can keep are "     \
                               "refused for good",                             \
                               claims_no_store_can_keep_are_refused)           \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type,                                       \
                               "a fresh request ID that names an entry is a "  \
                               "conflict",                                     \
                               a_request_id_names_one_entry)                   \
  SEMIASYNC_GATEWAY_STORE_CASE(env_type, "times are kept to the millisecond",  \
                               times_are_kept_to_the_millisecond)
