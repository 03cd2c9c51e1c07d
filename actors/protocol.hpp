#pragma once

// Every actor interface of semiasync and every message type they exchange,
// in one place, so the protocol reads like a table of contents.

#include "domain/events.hpp"
#include "domain/gateway_store.hpp"
#include "domain/types.hpp"
#include "domain/user_repository.hpp"
#include "kafka/record.hpp"
#include "kafka/route_codec.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/timestamp.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <optional>

namespace semiasync {

// -- inspection of domain types (found by ADL) --------------------------------

/// Lets CAF print and copy strong strings.
template <class Inspector, class Tag>
typename Inspector::result_type inspect(Inspector& f, strong_string<Tag>& x) {
  return f(x.value);
}

/// Lets CAF print and copy the event.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        create_user_requested& x) {
  return f(caf::meta::type_name("create_user_requested"), x.request, x.name);
}

/// Lets CAF print and copy the event.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_created& x) {
  return f(caf::meta::type_name("user_created"), x.request, x.user, x.name);
}

/// Lets CAF print and copy the event.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_duplicated& x) {
  return f(caf::meta::type_name("user_duplicated"), x.request, x.name);
}

/// Lets CAF print and copy the event (the reason prints as its detail).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_rejected& x) {
  return f(caf::meta::type_name("user_rejected"), x.request, x.name, x.detail);
}

/// Lets CAF print and copy a header.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, header& x) {
  return f(caf::meta::type_name("header"), x.name, x.value);
}

/// Lets CAF print and copy a message.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_message& x) {
  return f(caf::meta::type_name("wire_message"), x.key, x.value, x.headers);
}

namespace kafka {

/// Lets CAF print and copy an outgoing record.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing_record& x) {
  return f(caf::meta::type_name("outgoing_record"), x.topic, x.message,
           x.partition);
}

/// Lets CAF print and copy a record's position.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_position& x) {
  return f(caf::meta::type_name("record_position"), x.partition, x.offset,
           x.timestamp_ms, x.trace_parent);
}

} // namespace kafka

// -- message types ------------------------------------------------------------

/// What the registry has seen, for metrics and tests.
struct registry_stats {
  /// Requests waiting for their outcome right now.
  uint64_t waiting = 0;
  /// Outcomes handed to a waiting request.
  uint64_t routed = 0;
  /// Outcomes nobody waited for (another instance's, or late).
  uint64_t dropped = 0;
};

/// The producer's answer to `publish`: the broker acknowledged the record,
/// here.
struct publish_receipt {
  /// The partition the record landed in.
  int32_t partition = -1;
  /// Its offset there.
  int64_t offset = -1;
};

/// Lets CAF print and copy a receipt.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_receipt& x) {
  return f(caf::meta::type_name("publish_receipt"), x.partition, x.offset);
}

/// A user looked up by ID (message type; in-process only).
struct user_lookup {
  /// The row, when there is one.
  std::optional<stored_user> user;
};

/// A request's stored outcome looked up by ID (message type; in-process
/// only).
struct request_lookup {
  /// The outcome, when the database has one.
  std::optional<outcome> result;
  /// When the ID created a row and a duplicate is recorded under it too (two
  /// workers decided two names of one key at once): the duplicate's name.
  std::optional<user_name> also_duplicated;
};

/// A configured route's stored request looked up by ID (message type;
/// in-process only).
struct gateway_lookup {
  /// The entry, when the store has one that has not expired.
  std::optional<gateway_entry> entry;
};

/// Lets CAF print and copy the stats.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, registry_stats& x) {
  return f(caf::meta::type_name("registry_stats"), x.waiting, x.routed,
           x.dropped);
}

} // namespace semiasync

// -- type IDs and atoms -------------------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(semiasync, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(semiasync, (semiasync::request_id))
CAF_ADD_TYPE_ID(semiasync, (semiasync::user_name))
CAF_ADD_TYPE_ID(semiasync, (semiasync::user_uuid))
CAF_ADD_TYPE_ID(semiasync, (semiasync::kafka::outgoing_record))
CAF_ADD_TYPE_ID(semiasync, (semiasync::registry_stats))
CAF_ADD_TYPE_ID(semiasync, (semiasync::kafka::record_position))
CAF_ADD_TYPE_ID(semiasync, (semiasync::publish_receipt))

/// Registers a waiting request with the registry.
CAF_ADD_ATOM(semiasync, semiasync, enroll_atom, "enroll")
/// Removes a request from the registry.
CAF_ADD_ATOM(semiasync, semiasync, withdraw_atom, "withdraw")
/// Carries an outcome to the registry and on to its request.
CAF_ADD_ATOM(semiasync, semiasync, outcome_atom, "outcome")
/// Asks the producer to publish a record.
CAF_ADD_ATOM(semiasync, semiasync, publish_atom, "publish")
/// The producer's delivery report for one record.
CAF_ADD_ATOM(semiasync, semiasync, delivered_atom, "delivered")
/// A request's deadline has passed.
CAF_ADD_ATOM(semiasync, semiasync, deadline_atom, "deadline")
/// Asks an actor for its counters.
CAF_ADD_ATOM(semiasync, semiasync, stats_atom, "stats")
/// Makes a consumer actor read its next batch.
CAF_ADD_ATOM(semiasync, semiasync, poll_atom, "poll")
/// A request was published: remember it as pending until its outcome.
CAF_ADD_ATOM(semiasync, semiasync, accepted_atom, "accepted")
/// Asks the registry whether a request is known and still pending.
CAF_ADD_ATOM(semiasync, semiasync, pending_atom, "pending")
/// Looks a user up by ID.
CAF_ADD_ATOM(semiasync, semiasync, find_user_atom, "findUser")
/// Looks a request's stored outcome up by ID.
CAF_ADD_ATOM(semiasync, semiasync, find_request_atom, "findReq")
/// Claims a configured route's request in the gateway's store.
CAF_ADD_ATOM(semiasync, semiasync, claim_atom, "claim")
/// Gives a claimed request back: it certainly was never published.
CAF_ADD_ATOM(semiasync, semiasync, release_atom, "release")
/// Stores again the replies the gateway store could not take before.
CAF_ADD_ATOM(semiasync, semiasync, store_atom, "store")
/// Forgets the gateway store's expired entries.
CAF_ADD_ATOM(semiasync, semiasync, purge_atom, "purge")

CAF_END_TYPE_ID_BLOCK(semiasync)

// Outcomes travel only between actors of one process, never over a network,
// so CAF needs no serializer for the variant.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::user_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::request_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::route_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::gateway_claim)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::claim_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(semiasync::gateway_lookup)

namespace semiasync {

// -- actor interfaces ---------------------------------------------------------

/// One HTTP request waiting for its outcome (short-lived).
using request_actor = caf::typed_actor<
  // An outcome for this create-user request, routed by the registry, and
  // where its record was read.
  caf::reacts_to<outcome_atom, outcome, kafka::record_position>,
  // A reply for this configured route's request, routed by the registry.
  caf::reacts_to<outcome_atom, route_reply>,
  // The request's deadline, passed on by the registry.
  caf::reacts_to<deadline_atom>>;

/// Routes outcomes to the request actors waiting for them.
using registry_actor = caf::typed_actor<
  // Registers `request_actor` under the ID for the name it asks to create
  // and schedules its deadline (after this long); answers once it is
  // routable.
  caf::replies_to<enroll_atom, request_id, user_name, request_actor,
                  caf::timespan>::with<caf::ok_atom>,
  // The same for a configured route's request, which any reply under its
  // ID answers.
  caf::replies_to<enroll_atom, request_id, request_actor,
                  caf::timespan>::with<caf::ok_atom>,
  // Forgets the request actor, wherever it is registered.
  caf::reacts_to<withdraw_atom, request_actor>,
  // Internal: a request's deadline, by the actor's ID (a handle inside the
  // delayed message would keep the actor alive): passed on while it is
  // registered.
  caf::reacts_to<deadline_atom, caf::actor_id>,
  // Hands an outcome to whoever waits for it under its request ID and name,
  // or drops and counts it; with where its record was read.
  caf::reacts_to<outcome_atom, outcome, kafka::record_position>,
  // The same for an outcome whose record position is unknown.
  caf::reacts_to<outcome_atom, outcome>,
  // Hands a route's reply to whoever waits for it under its request ID, or
  // drops and counts it.
  caf::reacts_to<outcome_atom, route_reply>,
  // Remembers a published request as pending (for GET /requests/<id>).
  caf::reacts_to<accepted_atom, request_id>,
  // Whether a request was published here and its outcome not seen yet.
  caf::replies_to<pending_atom, request_id>::with<bool>,
  // The registry's counters.
  caf::replies_to<stats_atom>::with<registry_stats>>;

/// Publishes records to Kafka and answers once the broker acknowledged.
using producer_actor = caf::typed_actor<
  // Publishes a record; answers where it landed on acknowledgement, or an
  // error.
  caf::replies_to<publish_atom, kafka::outgoing_record>::with<publish_receipt>,
  // Internal: the delivery report of the record with this correlation ID.
  caf::reacts_to<delivered_atom, uint64_t, caf::error, kafka::record_position>>;

/// Answers the read endpoints from the database (blocking; detached). Each
/// lookup names when its asker stops waiting: a lookup found past that
/// point is dropped unread, so a backlog built while the database was away
/// cannot keep the reader busy with answers nobody reads.
using reader_actor = caf::typed_actor<
  // The user with this ID, if any.
  caf::replies_to<find_user_atom, user_uuid, caf::timestamp>::with<user_lookup>,
  // The stored outcome of this request, if any.
  caf::replies_to<find_request_atom, request_id,
                  caf::timestamp>::with<request_lookup>>;

/// Keeps configured routes' requests and replies in the gateway's store
/// (blocking; detached), so their Idempotency-Key promises hold on any
/// instance and after a restart.
using gateway_keeper_actor = caf::typed_actor<
  // Claims a request (see `gateway_store::claim`) unless the asker stopped
  // waiting by the given time (then it fails `overloaded`, untouched).
  caf::replies_to<claim_atom, gateway_claim,
                  caf::timestamp>::with<claim_result>,
  // Forgets a claimed request that certainly never reached the broker (or
  // whose asker stopped waiting for the claim), so a retry with its key is
  // published instead of answered 409.
  caf::reacts_to<release_atom, request_id>,
  // Stores a reply (the first for its request wins), then hands it to the
  // registry: a client's retry after its answer finds the answer stored.
  caf::reacts_to<outcome_atom, route_reply>,
  // The stored request with this ID, for the status URL; dropped unread
  // past the asker's deadline, as the reader's lookups are.
  caf::replies_to<find_request_atom, request_id,
                  caf::timestamp>::with<gateway_lookup>,
  // Internal: stores the replies the store refused transiently, again.
  caf::reacts_to<store_atom>,
  // Internal: forgets expired entries, then schedules the next round.
  caf::reacts_to<purge_atom>>;

/// Reads a topic in a loop of `poll` messages it sends itself (consumers).
using poller_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

} // namespace semiasync
