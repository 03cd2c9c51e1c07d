#pragma once

#include "domain/events.hpp"
#include "domain/user_repository.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace semiasync {

/// The users table as the create-user rule sees it while deciding one
/// batch: `find_by_name`, `find_by_request` and `find_duplicate` for the
/// batch's requests are answered from one `look_up` made up front and kept
/// current with the batch's own writes; everything else goes to the real
/// repository.
///
/// The answers stay exact because the only way a looked-up answer can go
/// stale is a write to the same key: the batch's own writes update it, and a
/// write by someone else or a name equal to another only under the
/// collation ("Alice" after "alice") is caught by the unique index, as an
/// insert meeting a taken key. From that moment every lookup asks the
/// database again, so the rule's "read again after a lost race" reads
/// fresh rows. Request IDs are canonical lowercase UUIDs, so byte equality
/// is the database's equality for them.
///
/// With `defer_inserts`, an insert the lookup says must succeed (its name
/// and request ID were free) is answered `inserted` at once and written
/// later, together with the others, in one multi-row INSERT: before any
/// other call reaches the database, and at `commit`. When that INSERT meets
/// a taken key after all (a name equal to another only under the collation,
/// or another writer), the answers given were wrong: the call fails,
/// `deferred_insert_failed` says so, and the caller rolls the transaction
/// back and decides the batch again without deferring.
class prefetched_users final : public user_repository {
public:
  /// Serves `batch`'s lookups from `found` (`inner.look_up(batch)`); `inner`
  /// must outlive this.
  prefetched_users(user_repository& inner,
                   const std::vector<create_user_requested>& batch,
                   batch_lookup found, bool defer_inserts = false);

  /// Forwards to the real repository.
  caf::error begin() override;

  /// Writes the deferred inserts, then commits.
  caf::error commit() override;

  /// Drops the deferred inserts and rolls back.
  void rollback() override;

  /// Forwards to the real repository.
  caf::expected<batch_lookup>
  look_up(const std::vector<create_user_requested>& batch) override;

  /// From the batch's lookup when it asked for exactly this name.
  caf::expected<std::optional<stored_user>>
  find_by_name(const user_name& name) override;

  /// From the batch's lookup when it asked for this request ID.
  caf::expected<std::optional<stored_user>>
  find_by_request(const request_id& request) override;

  /// Forwards to the real repository.
  caf::expected<std::optional<stored_user>>
  find_by_uuid(const user_uuid& user) override;

  /// Inserts through the real repository, or defers the insert (see the
  /// class), and remembers the row; a taken key stops answering from the
  /// lookup.
  caf::expected<insert_result> insert(const stored_user& row) override;

  /// Forwards to the real repository.
  caf::expected<insert_result>
  insert_all(const std::vector<stored_user>& rows) override;

  /// Records through the real repository and remembers the record.
  caf::error remember_duplicate(const request_id& request,
                                const user_name& name) override;

  /// From the batch's lookup when it asked for this request ID.
  caf::expected<std::optional<user_name>>
  find_duplicate(const request_id& request) override;

  /// Whether lookups are still answered from the batch's lookup.
  bool serving_from_lookup() const {
    return trusted_;
  }

  /// Whether the deferred inserts met a taken key: every answer given since
  /// `begin` is void.
  bool deferred_insert_failed() const {
    return deferred_failed_;
  }

private:
  /// Writes the deferred inserts; fails when they met a taken key.
  caf::error flush();

  /// Answers later lookups of `row`'s name and request ID with `row`.
  void remember_row(const stored_user& row);

  /// Whether the lookup found neither a holder of exactly this name nor a
  /// row of this request ID.
  bool surely_free(const stored_user& row) const;

  user_repository& inner_;
  /// Inserts answered but not written yet.
  std::vector<stored_user> deferred_;
  bool defer_inserts_;
  bool deferred_failed_ = false;
  /// Keyed by the exact bytes asked for.
  std::unordered_map<std::string, std::optional<stored_user>> by_name_;
  std::unordered_map<std::string, std::optional<stored_user>> by_request_;
  std::unordered_map<std::string, std::optional<user_name>> duplicates_;
  /// False once a write met a taken key.
  bool trusted_ = true;
};

} // namespace semiasync
