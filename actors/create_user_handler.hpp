#pragma once

#include "actors/record_handler.hpp"
#include "domain/user_repository.hpp"
#include "domain/uuid.hpp"

#include <memory>

namespace semiasync {

/// The create-user operation behind the worker engine: decodes each
/// request, runs the create-user rule (domain/create_user.hpp) against the
/// users table and answers UserCreated, UserDuplicated or UserRejected.
///
/// - A record that cannot be decoded is dead-lettered; when it still names
///   a request ID, a UserRejected (`malformed_record`) answers its client.
/// - A request ID used for another name gets a UserRejected
///   (`request_id_conflict`); data the database refuses for good is
///   dead-lettered and answered with a UserRejected (`database_rejected`).
/// - A batch runs in one transaction, with one lookup and one multi-row
///   insert (see `prefetched_users`); when the database refuses one record
///   of it, the records are decided one by one, so that record cannot void
///   the others' work.
class create_user_handler : public record_handler {
public:
  /// Works on `users`, drawing IDs for new rows from `ids`.
  create_user_handler(std::shared_ptr<user_repository> users,
                      std::shared_ptr<uuid_source> ids);

  handled_batch handle(const record_batch& records) override;

private:
  std::shared_ptr<user_repository> users_;
  std::shared_ptr<uuid_source> ids_;
};

} // namespace semiasync
