#include "actors/reader.hpp"

#include "domain/error.hpp"

namespace semiasync {

caf::expected<std::optional<outcome>> stored_outcome(user_repository& users,
                                                     const request_id& id) {
  auto created = users.find_by_request(id);
  if (!created) return std::move(created.error());
  if (*created) {
    auto& row = **created;
    return std::optional<outcome>{
      user_created{row.request, row.user, row.name}};
  }
  auto duplicated = users.find_duplicate(id);
  if (!duplicated) return std::move(duplicated.error());
  if (*duplicated)
    return std::optional<outcome>{user_duplicated{id, std::move(**duplicated)}};
  return std::optional<outcome>{};
}

reader_actor::behavior_type reader(reader_actor::pointer,
                                   std::shared_ptr<user_repository> users,
                                   wall_clock now) {
  auto stale = [now](caf::timestamp deadline) {
    return now() > deadline
             ? make_error(error_code::overloaded,
                          "lookup dropped: its asker stopped waiting")
             : caf::error{};
  };
  return {
    [users, stale](find_user_atom, const user_uuid& user,
                   caf::timestamp deadline) -> caf::result<user_lookup> {
      if (auto err = stale(deadline)) return err;
      auto found = users->find_by_uuid(user);
      if (!found) return std::move(found.error());
      return user_lookup{std::move(*found)};
    },
    [users, stale](find_request_atom, const request_id& id,
                   caf::timestamp deadline) -> caf::result<request_lookup> {
      if (auto err = stale(deadline)) return err;
      auto found = stored_outcome(*users, id);
      if (!found) return std::move(found.error());
      request_lookup result{std::move(*found), std::nullopt};
      if (result.result
          && std::holds_alternative<user_created>(*result.result)) {
        auto duplicated = users->find_duplicate(id);
        if (!duplicated) return std::move(duplicated.error());
        result.also_duplicated = std::move(*duplicated);
      }
      return result;
    },
  };
}

} // namespace semiasync
