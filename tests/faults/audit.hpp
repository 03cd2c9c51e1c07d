#pragma once

// The checks that matter after a fault: not what the clients were told, but
// what app.users and the outcome topic hold, compared with what the clients
// were told. Every load name is sent exactly once, so each name may have at
// most one row, one request ID and one kind of outcome.

#include "domain/user_repository.hpp"
#include "kafka/record.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/faults/load.hpp"
#include "tests/faults/summary.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// One outcome record as the audit needs it.
struct outcome_seen {
  /// The eventType header: UserCreated or UserDuplicated.
  std::string event_type;
  /// userUUID of a UserCreated, else empty.
  std::string user_uuid;
  /// The name in the value.
  std::string name;
};

/// Outcomes by their requestUUID header.
using outcome_index = std::map<std::string, std::vector<outcome_seen>>;

/// Indexes the captured outcome `records`.
outcome_index index_outcomes(const std::vector<kafka::record>& records);

/// Reads what reaches `capture` for `period`, so its records are complete
/// up to now.
void collect(topic_capture& capture, std::chrono::milliseconds period);

/// The result of waiting for rows.
struct drain_result {
  /// Every row under the prefix at the end.
  std::vector<stored_user> rows;
  /// Names expected but still without a row.
  std::vector<std::string> missing;
  /// How long it took (the timeout when rows are missing).
  std::chrono::milliseconds waited{0};
};

/// Polls app.users until every name in `expected` has a row, or `timeout`
/// passes; rows are looked up by `prefix` in one query per poll.
drain_result wait_for_rows(const std::string& prefix,
                           const std::set<std::string>& expected,
                           std::chrono::milliseconds timeout);

/// Polls `capture` until every row's request has an outcome, or `timeout`
/// passes; returns the index of everything captured.
outcome_index wait_for_outcomes(topic_capture& capture,
                                const std::vector<stored_user>& rows,
                                std::chrono::milliseconds timeout);

/// Whether a request's name must end in the database.
using storage_rule = std::function<bool(const request_record&)>;

/// Must be stored: answered 201, 409 or 504 (the publish was acknowledged;
/// a 504 only means the outcome came late).
bool published_for_sure(const request_record& rec);

/// Must be stored: answered 201 or 409 (the worker answered). For runs
/// where a 504 may mean "never reached the broker".
bool answered_by_worker(const request_record& rec);

/// What the audit found; every count is a violation, zero when all is well.
struct delivery_audit {
  /// Rows under the load's prefix (figure, not a violation).
  size_t rows = 0;
  /// Names with more than one row.
  size_t duplicates = 0;
  /// Rows whose name no request sent.
  size_t unknown_rows = 0;
  /// 201s whose row is missing or holds another uuid or request ID.
  size_t created_mismatch = 0;
  /// 409s: every name is sent once, so none may be a duplicate.
  size_t conflicts = 0;
  /// Names the storage rule says must be stored that have no row.
  size_t missing = 0;
  /// Names answered 503 (never published) that have a row anyway.
  size_t unavailable_but_stored = 0;
  /// Request IDs whose outcomes on the topic differ from each other.
  size_t conflicting_outcomes = 0;
  /// Outcomes saying UserDuplicated for a load name.
  size_t duplicated_outcomes = 0;
  /// Rows whose request has no UserCreated with the row's uuid.
  size_t outcomes_missing = 0;
  /// Load requests with more than one outcome record: redeliveries that
  /// were published again (figure, not a violation: at-least-once).
  size_t repeated_outcomes = 0;
  /// The first few violations, spelled out.
  std::vector<std::string> problems;
};

/// Audits the load's `records` against `rows` (all rows under the load's
/// prefix) and, unless null, the captured `outcomes`.
delivery_audit audit_delivery(const std::vector<request_record>& records,
                              const std::vector<stored_user>& rows,
                              const outcome_index* outcomes,
                              const storage_rule& must_store);

/// The database and the topic after a load, and what the audit found.
struct drained_audit {
  /// The rows once every name `must_store` names arrived (or the timeout).
  drain_result drained;
  /// The audit of the load against those rows and the captured outcomes.
  delivery_audit audit;
};

/// The end of every scenario: waits up to `rows_timeout` for the rows of
/// the names `must_store` names (under `prefix`), then up to 30 s for their
/// outcomes on `outcomes`, and audits the load's `records` against both.
drained_audit audit_after_drain(const std::vector<request_record>& records,
                                const std::string& prefix,
                                topic_capture& outcomes,
                                const storage_rule& must_store,
                                std::chrono::milliseconds rows_timeout);

/// Adds rows, duplicates and the violation counts to `line`.
void add_to(summary& line, const delivery_audit& audit);

/// Catch CHECKs that every violation count is zero, with the examples.
void check_delivery(const delivery_audit& audit);

/// Catch CHECKs that the load got 201s and that every request got a
/// complete answer of 201, 409, 503 or 504: no hang, no broken or refused
/// connection, no other status.
void check_answered(const load_tally& counts);

} // namespace semiasync::testing
