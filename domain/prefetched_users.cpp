#include "domain/prefetched_users.hpp"

#include <utility>

namespace semiasync {

namespace {

/// The cached answer for `key`, or nothing when `map` has none for it.
template <class Map>
const typename Map::mapped_type* cached(const Map& map, const std::string& key,
                                        bool trusted) {
  if (!trusted) return nullptr;
  auto i = map.find(key);
  return i == map.end() ? nullptr : &i->second;
}

} // namespace

prefetched_users::prefetched_users(
  user_repository& inner, const std::vector<create_user_requested>& batch,
  batch_lookup found)
  : inner_(inner) {
  for (size_t i = 0; i < batch.size(); ++i) {
    // A name or ID asked twice got the same answer twice.
    by_name_.emplace(batch[i].name.value, std::move(found.by_name.at(i)));
    by_request_.emplace(batch[i].request.value,
                        std::move(found.by_request.at(i)));
    duplicates_.emplace(batch[i].request.value,
                        std::move(found.duplicate.at(i)));
  }
}

caf::error prefetched_users::begin() {
  return inner_.begin();
}

caf::error prefetched_users::commit() {
  return inner_.commit();
}

void prefetched_users::rollback() {
  inner_.rollback();
}

caf::expected<batch_lookup>
prefetched_users::look_up(const std::vector<create_user_requested>& batch) {
  return inner_.look_up(batch);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_name(const user_name& name) {
  if (auto hit = cached(by_name_, name.value, trusted_)) return *hit;
  return inner_.find_by_name(name);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_request(const request_id& request) {
  if (auto hit = cached(by_request_, request.value, trusted_)) return *hit;
  return inner_.find_by_request(request);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_uuid(const user_uuid& user) {
  return inner_.find_by_uuid(user);
}

caf::expected<insert_result> prefetched_users::insert(const stored_user& row) {
  auto result = inner_.insert(row);
  if (!result) return result;
  if (*result == insert_result::duplicate) {
    trusted_ = false;
    return result;
  }
  by_name_[row.name.value] = row;
  by_request_[row.request.value] = row;
  return result;
}

caf::error prefetched_users::remember_duplicate(const request_id& request,
                                                const user_name& name) {
  if (auto err = inner_.remember_duplicate(request, name)) return err;
  // Insert-if-absent, as the table does: a recorded name stays.
  auto& recorded = duplicates_[request.value];
  if (!recorded) recorded = name;
  return {};
}

caf::expected<std::optional<user_name>>
prefetched_users::find_duplicate(const request_id& request) {
  if (auto hit = cached(duplicates_, request.value, trusted_)) return *hit;
  return inner_.find_duplicate(request);
}

} // namespace semiasync
