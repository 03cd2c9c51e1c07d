#include "actors/create_user_handler.hpp"

#include "domain/create_user.hpp"
#include "domain/error.hpp"
#include "domain/prefetched_users.hpp"
#include "kafka/wire_codec.hpp"
#include "logging/log.hpp"
#include "tracing/trace_log.hpp"

namespace semiasync {

namespace {

/// Whether a batch's database work runs in one transaction.
enum class batching {
  /// One transaction, one commit: the fast path.
  together,
  /// Each call on its own, so one record the database refuses cannot void
  /// the work done for the others.
  one_by_one,
};

record_outcome counts_as(const outcome& result) {
  if (std::holds_alternative<user_created>(result))
    return record_outcome::created;
  if (std::holds_alternative<user_duplicated>(result))
    return record_outcome::duplicated;
  return record_outcome::rejected;
}

/// A record that is not a valid request: kept for a human in the
/// dead-letter topic, and answered when it names whose it is, so that
/// client gets a 4xx now instead of a 504 later.
verdict undecodable(const kafka::record& rec, const caf::error& why) {
  auto reason = reason_of(why);
  verdict result{std::nullopt, reason, record_outcome::dead_lettered};
  if (auto id = salvage_request_id(rec.message)) {
    result.answer = encode_outcome(user_rejected{
      std::move(*id), user_name{}, error_code::malformed_record, reason});
    result.counts_as = record_outcome::rejected;
  }
  return result;
}

/// A valid request the rule refused for good.
verdict refused(const kafka::record& rec, const create_user_requested& request,
                const caf::error& why) {
  auto code = code_of(why);
  auto reason = reason_of(why);
  tracing::log_in(rec.trace, log_level::info, "worker",
                  "rejecting " + kafka::position_of(rec) + ": " + reason,
                  request.request.value);
  // A reused request ID is the client's doing, not a broken record: the
  // answer is all it needs.
  if (code == error_code::request_id_conflict)
    return {encode_outcome(
              user_rejected{request.request, request.name, code, reason}),
            std::nullopt, record_outcome::rejected};
  // The database refused the data (or an error we do not know): keep the
  // record for a human and still answer the client.
  return {encode_outcome(user_rejected{request.request, request.name,
                                       error_code::database_rejected, reason}),
          reason, record_outcome::rejected};
}

/// Decides one record. Fails with transient errors and, in a transaction,
/// with `database_rejected`: the refused statement took the transaction
/// with it.
caf::expected<verdict>
decide(user_repository& users, uuid_source& ids, const kafka::record& rec,
       const caf::expected<create_user_requested>& request, batching mode) {
  if (!request) return undecodable(rec, request.error());
  auto result = create_user(users, ids, *request);
  if (!result) {
    auto code = code_of(result.error());
    if (is_transient(code)
        || (mode == batching::together
            && code == error_code::database_rejected))
      return std::move(result.error());
    return refused(rec, *request, result.error());
  }
  return verdict{encode_outcome(*result), std::nullopt, counts_as(*result)};
}

/// Decides `records` one at a time, each call committing on its own, until
/// all are decided or one fails transiently.
handled_batch decide_one_by_one(user_repository& users, uuid_source& ids,
                                const record_batch& records) {
  handled_batch result;
  for (const kafka::record& rec : records) {
    auto decided = decide(users, ids, rec, decode_request(rec.message),
                          batching::one_by_one);
    if (!decided) {
      result.failure = std::move(decided.error());
      break;
    }
    result.verdicts.push_back(std::move(*decided));
  }
  return result;
}

/// Decides `records` in one transaction: all of them, or none when any
/// database call fails. What the rule reads comes from one lookup for the
/// whole batch, and the inserts it makes of names that lookup found free go
/// in as one statement (see `prefetched_users`); when that statement meets
/// a taken key after all, the batch is decided again, inserting row by row.
caf::expected<std::vector<verdict>> decide_together(user_repository& repo,
                                                    uuid_source& ids,
                                                    const record_batch& records,
                                                    bool defer_inserts = true) {
  std::vector<caf::expected<create_user_requested>> requests;
  std::vector<create_user_requested> valid;
  requests.reserve(records.size());
  for (const kafka::record& rec : records) {
    requests.push_back(decode_request(rec.message));
    if (requests.back()) valid.push_back(*requests.back());
  }
  if (auto err = repo.begin()) return err;
  auto found = repo.look_up(valid);
  if (!found) {
    repo.rollback();
    return std::move(found.error());
  }
  prefetched_users users{repo, valid, std::move(*found), defer_inserts};
  auto fail = [&](caf::error err) -> caf::expected<std::vector<verdict>> {
    users.rollback();
    if (users.deferred_insert_failed())
      return decide_together(repo, ids, records, false);
    return err;
  };
  std::vector<verdict> verdicts;
  verdicts.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto decided
      = decide(users, ids, records[i], requests[i], batching::together);
    if (!decided) return fail(std::move(decided.error()));
    verdicts.push_back(std::move(*decided));
  }
  if (auto err = users.commit()) return fail(std::move(err));
  return verdicts;
}

} // namespace

create_user_handler::create_user_handler(std::shared_ptr<user_repository> users,
                                         std::shared_ptr<uuid_source> ids)
  : users_(std::move(users)), ids_(std::move(ids)) {
  // nop
}

handled_batch create_user_handler::handle(const record_batch& records) {
  // A lone record commits on its own: BEGIN and COMMIT would only add two
  // round trips to its latency.
  if (records.size() <= 1) return decide_one_by_one(*users_, *ids_, records);
  auto together = decide_together(*users_, *ids_, records);
  if (together) return {std::move(*together), {}};
  if (code_of(together.error()) != error_code::database_rejected)
    return {{}, std::move(together.error())};
  log(log_level::info, "worker",
      "the database refused a record of a batch of "
        + std::to_string(records.size()) + ": deciding its records one by one");
  return decide_one_by_one(*users_, *ids_, records);
}

} // namespace semiasync
