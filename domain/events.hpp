#pragma once

#include "domain/error.hpp"
#include "domain/types.hpp"

#include <string>
#include <variant>

namespace semiasync {

/// Asks the worker to create a user (topic `create_user_request_sent`).
struct create_user_requested {
  /// Correlates the request with its outcome.
  request_id request;
  /// The name to create.
  user_name name;
};

/// The user was created by the request with this ID (event `UserCreated`).
struct user_created {
  /// The request that created the user.
  request_id request;
  /// The new user's ID.
  user_uuid user;
  /// The created name, as stored.
  user_name name;
};

/// Another request already created this name (event `UserDuplicated`).
struct user_duplicated {
  /// The request that was refused.
  request_id request;
  /// The name that already exists.
  user_name name;
};

/// The worker refused the request for good (event `UserRejected`, additive to
/// the contract): its Idempotency-Key was used for another name, or the
/// record or the database refused its data. Sent instead of leaving the
/// client to its deadline; the reference server treats it as an error.
struct user_rejected {
  /// The request that was refused.
  request_id request;
  /// The name as the record carried it; empty when it had none.
  user_name name;
  /// Why: `request_id_conflict`, `malformed_record` or `database_rejected`.
  error_code reason = error_code::malformed_record;
  /// Our own words on the reason (never SQL or library text).
  std::string detail;
};

/// What a create-user request led to.
using outcome = std::variant<user_created, user_duplicated, user_rejected>;

/// The request an outcome answers.
inline const request_id& request_of(const outcome& x) {
  return std::visit(
    [](const auto& y) -> const request_id& {
      return y.request;
    },
    x);
}

/// The name an outcome is about: the name its request asked to create
/// (the worker answers a request ID only for the very bytes it carried).
inline const user_name& name_of(const outcome& x) {
  return std::visit(
    [](const auto& y) -> const user_name& {
      return y.name;
    },
    x);
}

/// Compares field by field (for tests and idempotency checks).
inline bool operator==(const user_created& x, const user_created& y) {
  return x.request == y.request && x.user == y.user && x.name == y.name;
}

/// Compares field by field (for tests and idempotency checks).
inline bool operator==(const user_duplicated& x, const user_duplicated& y) {
  return x.request == y.request && x.name == y.name;
}

/// Compares field by field (for tests and idempotency checks).
inline bool operator==(const user_rejected& x, const user_rejected& y) {
  return x.request == y.request && x.name == y.name && x.reason == y.reason
         && x.detail == y.detail;
}

} // namespace semiasync
