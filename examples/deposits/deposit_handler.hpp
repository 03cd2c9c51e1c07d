#pragma once

#include "actors/record_handler.hpp"

#include <memory>

#include "examples/deposits/deposit_repository.hpp"

namespace semiasync::deposits {

/// The deposit operation behind the worker engine. A request record's value
/// is `{"accountId","depositId","amount"}` (cents; negative withdraws), its
/// header `requestUUID`. Each record is decided in one transaction, under
/// the account row's lock:
///
/// - a new movement is applied: `DepositAccepted` with the new balance;
/// - a movement ID the account has seen under another request:
///   `DepositDuplicated`;
/// - a movement that would make the balance negative: `DepositRefused`;
/// - a value that is no valid request: dead-lettered, and answered with a
///   `DepositRejected` when the record names its request.
///
/// Each request's outcome is stored, so a redelivered record is answered
/// exactly as the first time and applied once, whatever happened since.
class deposit_handler : public record_handler {
public:
  /// Works on `repo`.
  explicit deposit_handler(std::shared_ptr<deposit_repository> repo);

  handled_batch handle(const record_batch& records) override;

private:
  std::shared_ptr<deposit_repository> repo_;
};

} // namespace semiasync::deposits
