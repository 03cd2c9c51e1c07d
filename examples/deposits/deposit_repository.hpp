#pragma once

// What the deposit rule (examples/deposits/deposit_handler.hpp) reads and
// writes, behind an interface so unit tests use a fake and production uses
// MariaDB (examples/deposits/mysql_deposit_repository.hpp).

#include "domain/types.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace semiasync::deposits {

/// A valid deposit request (a negative amount is a withdrawal).
struct deposit_request {
  /// The request it belongs to (the record's `requestUUID` header).
  request_id request;
  /// The account it moves money on.
  std::string account_id;
  /// The client's ID of the movement, unique per account.
  std::string deposit_id;
  /// Cents, never 0, within +-10^12.
  int64_t amount = 0;
};

/// The outcome a request got, kept so that its redelivery gets it again.
struct stored_outcome {
  /// The request as it was decided, to tell a redelivery (the same) from a
  /// request ID reused for another deposit.
  deposit_request request;
  /// `DepositAccepted`, `DepositDuplicated` or `DepositRefused`.
  std::string event_type;
  /// The outcome's JSON value, as published.
  std::string value;
};

/// The accounts, deposits and outcomes of the deposit rule. Every call but
/// `begin` runs inside the transaction `begin` opened. Errors: transient
/// ones (`is_transient`) are retried by the engine; `database_rejected` is
/// data the database refuses for good; `request_id_conflict` is an outcome
/// stored for the request ID meanwhile.
class deposit_repository {
public:
  virtual ~deposit_repository() = default;

  /// Opens a transaction.
  virtual caf::error begin() = 0;

  /// Commits it; the transaction is over even when this fails.
  virtual caf::error commit() = 0;

  /// Undoes it.
  virtual void rollback() = 0;

  /// Creates the account at balance 0 unless it exists, and locks its row
  /// until the transaction ends (so one account's movements are decided
  /// one after another). Returns its balance.
  virtual caf::expected<int64_t> lock_account(const std::string& account) = 0;

  /// The outcome stored for `request`, if any.
  virtual caf::expected<std::optional<stored_outcome>>
  find_outcome(const request_id& request) = 0;

  /// Whether the account has a movement with this ID.
  virtual caf::expected<bool> has_deposit(const std::string& account,
                                          const std::string& deposit)
    = 0;

  /// Records the movement and sets its account's balance to `balance`.
  virtual caf::error apply(const deposit_request& deposit, int64_t balance) = 0;

  /// Stores `outcome` for its request; fails with `request_id_conflict`
  /// when one is stored already.
  virtual caf::error store_outcome(const stored_outcome& outcome) = 0;
};

} // namespace semiasync::deposits
