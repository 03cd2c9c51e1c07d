#pragma once

#include "domain/error.hpp"
#include "domain/user_repository.hpp"
#include "domain/uuid.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// An in-memory `users` table with the unique keys of the real schema, plus
/// the recorded duplicates of `request_outcomes` (keyed by request ID, first
/// record wins). Names compare case-insensitively for ASCII letters, as the
/// default `utf8mb4` collation does (the fake does not model accent
/// folding); recorded duplicate names are kept byte for byte.
class fake_user_repository final : public user_repository {
public:
  /// The methods whose next call can be made to fail.
  enum class method {
    find_by_name,
    find_by_request,
    find_by_uuid,
    insert,
    remember_duplicate,
    find_duplicate,
    begin,
    commit,
    look_up,
    insert_all,
  };

  // -- test controls ----------------------------------------------------------

  /// Makes the next call of `m` fail with `err` instead of touching the
  /// table; with `skip` > 0, the calls before it succeed, so a test can fail
  /// the second lookup of a request and not the first.
  void fail_next(method m, caf::error err, size_t skip = 0) {
    failures_[m] = {skip, std::move(err)};
  }

  /// Simulates a concurrent request: on the next `insert`, `winner` is stored
  /// first, then the insert runs against the table it left behind.
  void lose_next_insert_race_to(stored_user winner) {
    race_winner_ = std::move(winner);
  }

  /// Simulates a concurrent attempt under the same request ID: on the next
  /// `remember_duplicate`, `name` is recorded for `request` first.
  void record_duplicate_first(request_id request, user_name name) {
    duplicate_race_winner_
      = std::make_pair(std::move(request), std::move(name));
  }

  /// Makes every `insert` of `name` (compared as names are) fail with
  /// `err`, as a database refusing that data for good does.
  void refuse_name(std::string name, caf::error err) {
    refused_name_ = std::make_pair(std::move(name), std::move(err));
  }

  /// Adds a row directly, as a previous request would have.
  void seed(stored_user row) {
    rows_.push_back(std::move(row));
  }

  /// Every row, in insertion order.
  const std::vector<stored_user>& rows() const {
    return rows_;
  }

  /// Records a duplicate directly, as a previous request would have.
  void seed_duplicate(request_id request, user_name name) {
    duplicates_.emplace(std::move(request), std::move(name));
  }

  /// Every recorded duplicate: request ID to the name it was a duplicate of.
  const std::map<request_id, user_name>& duplicates() const {
    return duplicates_;
  }

  /// How often `m` was called (failed calls included).
  size_t calls(method m) const {
    auto i = calls_.find(m);
    return i == calls_.end() ? 0 : i->second;
  }

  /// Transactions rolled back.
  size_t rollbacks() const {
    return rollbacks_;
  }

  /// Whether a transaction is open.
  bool in_transaction() const {
    return snapshot_.has_value();
  }

  // -- user_repository --------------------------------------------------------

  /// Remembers the tables, for `rollback` to restore.
  caf::error begin() override {
    if (auto err = enter(method::begin)) return std::move(*err);
    snapshot_ = tables{rows_, duplicates_};
    return {};
  }

  /// Keeps the writes; a failed commit discards them, as a lost connection
  /// would.
  caf::error commit() override {
    auto err = enter(method::commit);
    if (err) restore();
    snapshot_.reset();
    return err ? std::move(*err) : caf::error{};
  }

  /// Restores the tables as `begin` found them.
  void rollback() override {
    ++rollbacks_;
    restore();
    snapshot_.reset();
  }

  /// Answers from the tables as the single lookups would, without
  /// counting them as calls of those.
  caf::expected<batch_lookup>
  look_up(const std::vector<create_user_requested>& batch) override {
    if (auto err = enter(method::look_up)) return std::move(*err);
    batch_lookup result;
    for (auto& request : batch) {
      result.by_name.push_back(find_if([&](const stored_user& x) {
        return same_name(x.name.value, request.name.value);
      }));
      result.by_request.push_back(find_if([&](const stored_user& x) {
        return x.request == request.request;
      }));
      auto i = duplicates_.find(request.request);
      result.duplicate.push_back(i == duplicates_.end()
                                   ? std::nullopt
                                   : std::optional<user_name>{i->second});
    }
    return result;
  }

  caf::expected<std::optional<stored_user>>
  find_by_name(const user_name& name) override {
    if (auto err = enter(method::find_by_name)) return std::move(*err);
    return find_if([&](const stored_user& x) {
      return same_name(x.name.value, name.value);
    });
  }

  caf::expected<std::optional<stored_user>>
  find_by_request(const request_id& request) override {
    if (auto err = enter(method::find_by_request)) return std::move(*err);
    return find_if([&](const stored_user& x) {
      return x.request == request;
    });
  }

  caf::expected<std::optional<stored_user>>
  find_by_uuid(const user_uuid& user) override {
    if (auto err = enter(method::find_by_uuid)) return std::move(*err);
    return find_if([&](const stored_user& x) {
      return x.user == user;
    });
  }

  caf::expected<insert_result> insert(const stored_user& row) override {
    if (auto err = enter(method::insert)) return std::move(*err);
    if (refused_name_ && same_name(refused_name_->first, row.name.value))
      return refused_name_->second;
    if (race_winner_) {
      auto winner = std::move(*race_winner_);
      race_winner_.reset();
      if (!takes_a_key_of(winner)) rows_.push_back(std::move(winner));
    }
    if (takes_a_key_of(row)) return insert_result::duplicate;
    rows_.push_back(row);
    return insert_result::inserted;
  }

  /// All rows or none, as one multi-row statement.
  caf::expected<insert_result>
  insert_all(const std::vector<stored_user>& rows) override {
    if (auto err = enter(method::insert_all)) return std::move(*err);
    auto before = rows_.size();
    for (auto& row : rows) {
      if (refused_name_ && same_name(refused_name_->first, row.name.value)) {
        rows_.resize(before);
        return refused_name_->second;
      }
      if (takes_a_key_of(row)) {
        rows_.resize(before);
        return insert_result::duplicate;
      }
      rows_.push_back(row);
    }
    return insert_result::inserted;
  }

  /// Insert-if-absent into the recorded duplicates.
  caf::error remember_duplicate(const request_id& request,
                                const user_name& name) override {
    if (auto err = enter(method::remember_duplicate)) return std::move(*err);
    if (duplicate_race_winner_) {
      duplicates_.emplace(std::move(*duplicate_race_winner_));
      duplicate_race_winner_.reset();
    }
    // emplace keeps an existing record, as the real insert-if-absent does;
    // one with another spelling is a conflict, as there.
    auto [recorded, fresh] = duplicates_.emplace(request, name);
    if (!fresh && recorded->second.value != name.value)
      return make_error(error_code::request_id_conflict,
                        "request ID already ended as a duplicate of another "
                        "name");
    return {};
  }

  /// The recorded name, byte for byte.
  caf::expected<std::optional<user_name>>
  find_duplicate(const request_id& request) override {
    if (auto err = enter(method::find_duplicate)) return std::move(*err);
    auto i = duplicates_.find(request);
    if (i == duplicates_.end()) return std::optional<user_name>{};
    return std::optional<user_name>{i->second};
  }

  /// ASCII case-insensitive equality; other bytes compare exactly.
  static bool same_name(const std::string& x, const std::string& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (fold(x[i]) != fold(y[i])) return false;
    return true;
  }

private:
  static char fold(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }

  /// Counts the call and consumes an injected failure, if any.
  std::optional<caf::error> enter(method m) {
    ++calls_[m];
    auto i = failures_.find(m);
    if (i == failures_.end()) return std::nullopt;
    if (i->second.first > 0) {
      --i->second.first;
      return std::nullopt;
    }
    auto err = std::move(i->second.second);
    failures_.erase(i);
    return err;
  }

  template <class Predicate>
  std::optional<stored_user> find_if(Predicate pred) const {
    for (auto& x : rows_)
      if (pred(x)) return x;
    return std::nullopt;
  }

  /// The tables as a transaction found them.
  struct tables {
    std::vector<stored_user> rows;
    std::map<request_id, user_name> duplicates;
  };

  void restore() {
    if (!snapshot_) return;
    rows_ = std::move(snapshot_->rows);
    duplicates_ = std::move(snapshot_->duplicates);
  }

  /// True when `row` collides with a stored row on any unique key.
  bool takes_a_key_of(const stored_user& row) const {
    for (auto& x : rows_)
      if (x.user == row.user || x.request == row.request
          || same_name(x.name.value, row.name.value))
        return true;
    return false;
  }

  // -- member variables -------------------------------------------------------

  std::vector<stored_user> rows_;
  std::map<request_id, user_name> duplicates_;
  std::map<method, std::pair<size_t, caf::error>> failures_;
  std::map<method, size_t> calls_;
  std::optional<stored_user> race_winner_;
  std::optional<tables> snapshot_;
  std::optional<std::pair<std::string, caf::error>> refused_name_;
  std::optional<std::pair<request_id, user_name>> duplicate_race_winner_;
  size_t rollbacks_ = 0;
};

/// Predictable UUIDs: queued ones first, then 00000000-0000-4000-8000-<n>
/// counting from 1.
class fake_uuid_source final : public uuid_source {
public:
  /// The UUID the `n`th generated one will be (1-based).
  static std::string nth(unsigned n) {
    char text[37];
    std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012x", n);
    return text;
  }

  /// Makes `id` the next UUID returned, before the counted ones.
  void queue(std::string id) {
    queued_.push_back(std::move(id));
  }

  /// How many UUIDs were handed out.
  size_t handed_out() const {
    return handed_out_;
  }

  std::string next() override {
    ++handed_out_;
    if (!queued_.empty()) {
      auto id = std::move(queued_.front());
      queued_.pop_front();
      return id;
    }
    return nth(++counter_);
  }

private:
  // -- member variables -------------------------------------------------------

  std::deque<std::string> queued_;
  unsigned counter_ = 0;
  size_t handed_out_ = 0;
};

} // namespace semiasync::testing
