#include "domain/prefetched_users.hpp"

#include "domain/error.hpp"

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
  batch_lookup found, bool defer_inserts)
  : inner_(inner), defer_inserts_(defer_inserts) {
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
  if (auto err = flush()) return err;
  return inner_.commit();
}

void prefetched_users::rollback() {
  deferred_.clear();
  inner_.rollback();
}

caf::expected<batch_lookup>
prefetched_users::look_up(const std::vector<create_user_requested>& batch) {
  if (auto err = flush()) return err;
  return inner_.look_up(batch);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_name(const user_name& name) {
  if (auto hit = cached(by_name_, name.value, trusted_)) return *hit;
  if (auto err = flush()) return err;
  return inner_.find_by_name(name);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_request(const request_id& request) {
  if (auto hit = cached(by_request_, request.value, trusted_)) return *hit;
  if (auto err = flush()) return err;
  return inner_.find_by_request(request);
}

caf::expected<std::optional<stored_user>>
prefetched_users::find_by_uuid(const user_uuid& user) {
  if (auto err = flush()) return err;
  return inner_.find_by_uuid(user);
}

bool prefetched_users::surely_free(const stored_user& row) const {
  auto name = by_name_.find(row.name.value);
  auto request = by_request_.find(row.request.value);
  return name != by_name_.end() && !name->second
         && request != by_request_.end() && !request->second;
}

caf::error prefetched_users::flush() {
  if (deferred_.empty()) return {};
  auto rows = std::move(deferred_);
  deferred_.clear();
  auto result = inner_.insert_all(rows);
  if (!result) return std::move(result.error());
  if (*result == insert_result::duplicate) {
    deferred_failed_ = true;
    return make_error(error_code::database_unavailable,
                      "a deferred insert met a taken key");
  }
  return {};
}

caf::expected<insert_result>
prefetched_users::insert_all(const std::vector<stored_user>& rows) {
  if (auto err = flush()) return err;
  return inner_.insert_all(rows);
}

caf::expected<insert_result> prefetched_users::insert(const stored_user& row) {
  if (defer_inserts_ && trusted_ && surely_free(row)) {
    deferred_.push_back(row);
    remember_row(row);
    return insert_result::inserted;
  }
  if (auto err = flush()) return err;
  auto result = inner_.insert(row);
  if (!result) return result;
  if (*result == insert_result::duplicate) {
    trusted_ = false;
    return result;
  }
  remember_row(row);
  return result;
}

void prefetched_users::remember_row(const stored_user& row) {
  by_name_[row.name.value] = row;
  by_request_[row.request.value] = row;
}

caf::error prefetched_users::remember_duplicate(const request_id& request,
                                                const user_name& name) {
  if (auto err = flush()) return err;
  if (auto err = inner_.remember_duplicate(request, name)) return err;
  // Insert-if-absent, as the table does: a recorded name stays.
  auto& recorded = duplicates_[request.value];
  if (!recorded) recorded = name;
  return {};
}

caf::expected<std::optional<user_name>>
prefetched_users::find_duplicate(const request_id& request) {
  if (auto hit = cached(duplicates_, request.value, trusted_)) return *hit;
  if (auto err = flush()) return err;
  return inner_.find_duplicate(request);
}

} // namespace semiasync
