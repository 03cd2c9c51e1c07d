#pragma once

#include "domain/error.hpp"
#include "domain/gateway_store.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// An in-memory gateway store with the semantics of the MariaDB one (see
/// domain/gateway_store.hpp): keys and routes compare byte for byte, times
/// are kept to the millisecond. Instances made from one `table` share it,
/// like two gateway instances sharing a database; calls are serialized by
/// the table's mutex, so concurrent claims behave as the unique key makes
/// them behave in MariaDB.
class fake_gateway_store final : public gateway_store {
public:
  /// The methods whose next call can be made to fail.
  enum class method { claim, record_reply, release, find, purge_expired };

  /// One stored entry.
  struct row {
    /// The route's name.
    std::string route;
    /// The client's key, if any.
    std::optional<std::string> key;
    /// The claim's body digest.
    std::string body_digest;
    /// The first reply, if any.
    std::optional<stored_reply> reply;
    /// Expiry, in stored milliseconds.
    int64_t expires_ms = 0;
  };

  /// What instances share: the entries by request ID and the keyed ones by
  /// (route, key).
  struct table {
    /// Serializes every call on every instance.
    std::mutex mtx;
    /// Every entry, live or expired, by request ID.
    std::map<request_id, row> rows;
    /// The entry holding each (route, key).
    std::map<std::pair<std::string, std::string>, request_id> by_key;
  };

  /// A store on `shared`, or on a table of its own.
  explicit fake_gateway_store(std::shared_ptr<table> shared
                              = std::make_shared<table>())
    : table_(std::move(shared)) {
    // nop
  }

  // -- test controls ----------------------------------------------------------

  /// Makes the next call of `m` on this instance fail with `err` instead
  /// of touching the table.
  void fail_next(method m, caf::error err) {
    failures_[m] = std::move(err);
  }

  /// The table, to make another instance sharing it.
  std::shared_ptr<table> shared_table() const {
    return table_;
  }

  // -- gateway_store ----------------------------------------------------------

  caf::expected<claim_result> claim(const gateway_claim& x) override {
    if (auto err = take_failure(method::claim)) return err;
    if (auto err = check_claim(x)) return err;
    std::lock_guard<std::mutex> guard{table_->mtx};
    auto now_ms = stored_millis(x.now);
    if (x.idempotency_key) {
      auto slot = table_->by_key.find({x.route, *x.idempotency_key});
      if (slot != table_->by_key.end()) {
        auto& found = table_->rows.at(slot->second);
        if (found.expires_ms > now_ms)
          return decide(slot->second, found, x.body_digest);
        if (table_->rows.count(x.request) != 0) return conflict();
        // Expired: as if absent, so the new claim takes its place.
        table_->rows.erase(slot->second);
        table_->by_key.erase(slot);
      }
    }
    if (table_->rows.count(x.request) != 0) return conflict();
    row fresh{x.route, x.idempotency_key, x.body_digest, std::nullopt,
              now_ms + x.retention.count() * 1000};
    if (x.idempotency_key)
      table_->by_key.emplace(std::make_pair(x.route, *x.idempotency_key),
                             x.request);
    table_->rows.emplace(x.request, fresh);
    return claim_result{claim_state::claimed, x.request, std::nullopt,
                        from_stored_millis(fresh.expires_ms)};
  }

  caf::expected<bool> release(const request_id& request) override {
    if (auto err = take_failure(method::release)) return err;
    std::lock_guard<std::mutex> guard{table_->mtx};
    auto i = table_->rows.find(request);
    if (i == table_->rows.end() || i->second.reply) return false;
    if (i->second.key) table_->by_key.erase({i->second.route, *i->second.key});
    table_->rows.erase(i);
    return true;
  }

  caf::expected<bool>
  record_reply(const request_id& request, const stored_reply& reply,
               std::chrono::system_clock::time_point now) override {
    if (auto err = take_failure(method::record_reply)) return err;
    if (auto err = check_reply(reply)) return err;
    std::lock_guard<std::mutex> guard{table_->mtx};
    auto i = table_->rows.find(request);
    if (i == table_->rows.end() || i->second.expires_ms <= stored_millis(now)
        || i->second.reply)
      return false;
    i->second.reply = reply;
    return true;
  }

  caf::expected<std::optional<gateway_entry>>
  find(const request_id& request,
       std::chrono::system_clock::time_point now) override {
    if (auto err = take_failure(method::find)) return err;
    std::lock_guard<std::mutex> guard{table_->mtx};
    auto i = table_->rows.find(request);
    if (i == table_->rows.end() || i->second.expires_ms <= stored_millis(now))
      return std::optional<gateway_entry>{};
    return std::optional<gateway_entry>{
      gateway_entry{request, i->second.route, i->second.reply,
                    from_stored_millis(i->second.expires_ms)}};
  }

  caf::expected<uint64_t>
  purge_expired(std::chrono::system_clock::time_point now,
                uint64_t at_most) override {
    if (auto err = take_failure(method::purge_expired)) return err;
    std::lock_guard<std::mutex> guard{table_->mtx};
    auto now_ms = stored_millis(now);
    std::vector<std::pair<int64_t, request_id>> expired;
    for (auto& [id, entry] : table_->rows)
      if (entry.expires_ms <= now_ms)
        expired.emplace_back(entry.expires_ms, id);
    std::sort(expired.begin(), expired.end());
    uint64_t purged = 0;
    for (auto& [ms, id] : expired) {
      if (purged == at_most) break;
      auto& entry = table_->rows.at(id);
      if (entry.key) table_->by_key.erase({entry.route, *entry.key});
      table_->rows.erase(id);
      ++purged;
    }
    return purged;
  }

private:
  caf::error take_failure(method m) {
    auto i = failures_.find(m);
    if (i == failures_.end()) return {};
    auto err = std::move(i->second);
    failures_.erase(i);
    return err;
  }

  static claim_result decide(const request_id& id, const row& found,
                             const std::string& body_digest) {
    auto expires = from_stored_millis(found.expires_ms);
    if (found.body_digest != body_digest)
      return {claim_state::body_mismatch, id, std::nullopt, expires};
    if (found.reply) return {claim_state::answered, id, found.reply, expires};
    return {claim_state::in_flight, id, std::nullopt, expires};
  }

  static caf::error conflict() {
    return make_error(error_code::request_id_conflict,
                      "claim: request ID already names an entry");
  }

  std::shared_ptr<table> table_;
  std::map<method, caf::error> failures_;
};

} // namespace semiasync::testing
