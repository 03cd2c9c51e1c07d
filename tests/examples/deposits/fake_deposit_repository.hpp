#pragma once

#include "domain/error.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "examples/deposits/deposit_repository.hpp"

namespace semiasync::testing {

/// The deposit tables in memory, with transactions: `begin` takes a copy
/// that `rollback` (or a failed `commit`) restores.
class fake_deposit_repository final : public deposits::deposit_repository {
public:
  /// The methods whose next call can be made to fail.
  enum class method {
    begin,
    commit,
    lock_account,
    find_outcome,
    has_deposit,
    apply,
    store_outcome
  };

  /// What the tables hold.
  struct tables {
    /// Balance per account.
    std::map<std::string, int64_t> balances;
    /// (account, movement) of every applied movement.
    std::set<std::pair<std::string, std::string>> movements;
    /// Stored outcome per request ID.
    std::map<std::string, deposits::stored_outcome> outcomes;
    /// How many movements were applied (and not rolled back).
    int applied = 0;
  };

  /// Makes the next call of `m` fail with `err`.
  void fail_next(method m, caf::error err) {
    failures_[m] = std::move(err);
  }

  /// The committed tables (and, inside a transaction, its changes).
  tables data;

  /// Between `begin` and `commit` or `rollback`.
  bool in_transaction() const {
    return snapshot_.has_value();
  }

  caf::error begin() override {
    if (auto err = failure(method::begin)) return err;
    snapshot_ = data;
    return {};
  }

  caf::error commit() override {
    if (auto err = failure(method::commit)) {
      rollback();
      return err;
    }
    snapshot_.reset();
    return {};
  }

  void rollback() override {
    if (snapshot_) data = std::move(*snapshot_);
    snapshot_.reset();
  }

  caf::expected<int64_t> lock_account(const std::string& account) override {
    if (auto err = failure(method::lock_account)) return err;
    return data.balances[account];
  }

  caf::expected<std::optional<deposits::stored_outcome>>
  find_outcome(const request_id& request) override {
    if (auto err = failure(method::find_outcome)) return err;
    auto i = data.outcomes.find(request.value);
    if (i == data.outcomes.end())
      return std::optional<deposits::stored_outcome>{};
    return std::optional<deposits::stored_outcome>{i->second};
  }

  caf::expected<bool> has_deposit(const std::string& account,
                                  const std::string& deposit) override {
    if (auto err = failure(method::has_deposit)) return err;
    return data.movements.count({account, deposit}) > 0;
  }

  caf::error apply(const deposits::deposit_request& deposit,
                   int64_t balance) override {
    if (auto err = failure(method::apply)) return err;
    data.movements.insert({deposit.account_id, deposit.deposit_id});
    data.balances[deposit.account_id] = balance;
    ++data.applied;
    return {};
  }

  caf::error store_outcome(const deposits::stored_outcome& out) override {
    if (auto err = failure(method::store_outcome)) return err;
    if (!data.outcomes.emplace(out.request.request.value, out).second)
      return make_error(error_code::request_id_conflict, "stored already");
    return {};
  }

private:
  caf::error failure(method m) {
    auto i = failures_.find(m);
    if (i == failures_.end()) return {};
    auto err = std::move(i->second);
    failures_.erase(i);
    return err;
  }

  std::optional<tables> snapshot_;
  std::map<method, caf::error> failures_;
};

} // namespace semiasync::testing
