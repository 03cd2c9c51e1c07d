#pragma once

#include "kafka/interfaces.hpp"

#include <deque>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// A `record_source` fed by the test: each poll hands out the next queued
/// batch; `mark_done` calls are recorded.
class fake_record_source final : public kafka::record_source {
public:
  /// Queues one batch for a later poll.
  void queue(std::vector<kafka::record> batch) {
    batches_.push_back(std::move(batch));
  }

  /// Every `mark_done` call as (partition, offset), in order.
  const std::vector<std::pair<int32_t, int64_t>>& marked() const {
    return marked_;
  }

  caf::expected<std::vector<kafka::record>>
  poll(size_t, std::chrono::milliseconds) override {
    ++polls;
    if (batches_.empty()) return std::vector<kafka::record>{};
    auto batch = std::move(batches_.front());
    batches_.pop_front();
    return batch;
  }

  caf::error mark_done(const std::string&, int32_t partition,
                       int64_t offset) override {
    marked_.emplace_back(partition, offset);
    return {};
  }

  bool assigned() const override {
    return true;
  }

  void on_revoked(kafka::revocation_handler handler) override {
    revoked_ = std::move(handler);
  }

  /// Simulates a rebalance taking `partition` away.
  void revoke(const std::string& topic, int32_t partition) {
    if (revoked_) revoked_(topic, partition);
  }

  int64_t lag() const override {
    return lag_value;
  }

  caf::expected<std::vector<int32_t>>
  extend_assignment(std::chrono::milliseconds) override {
    ++extend_calls;
    return std::exchange(new_partitions, {});
  }

  /// How often `extend_assignment` ran.
  size_t extend_calls = 0;

  /// What the next `extend_assignment` reports as added.
  std::vector<int32_t> new_partitions;

  /// How often `poll` ran.
  size_t polls = 0;

  /// What `lag()` answers.
  int64_t lag_value = 0;

private:
  std::deque<std::vector<kafka::record>> batches_;
  std::vector<std::pair<int32_t, int64_t>> marked_;
  kafka::revocation_handler revoked_;
};

/// A `publisher` whose deliveries the test decides: records are kept with
/// their callbacks until `ack` or `fail` runs them.
class fake_publisher final : public kafka::publisher {
public:
  /// One publish call.
  struct entry {
    /// The record as published.
    kafka::outgoing_record record;
    /// Its delivery callback; empty once run.
    kafka::delivery_callback callback;
  };

  caf::error publish(kafka::outgoing_record rec,
                     kafka::delivery_callback on_delivery) override {
    if (fatal_) return fatal_;
    if (refuse_next) {
      auto err = std::move(*refuse_next);
      refuse_next.reset();
      return err;
    }
    published.push_back({std::move(rec), std::move(on_delivery)});
    return {};
  }

  /// Refuses the next publish at once with this error (a full queue, say),
  /// then accepts again.
  std::optional<caf::error> refuse_next;

  void serve_delivery_reports(std::chrono::milliseconds) override {
    // Deliveries run when the test calls ack/fail.
  }

  /// Answers `partition_count` from `counts` (given the max age asked
  /// for); unknown when `counts` is empty. Every max age asked is kept.
  caf::expected<int32_t>
  partition_count(const std::string&,
                  std::chrono::milliseconds max_age) override {
    count_ages.push_back(max_age);
    if (!counts)
      return make_error(error_code::broker_unavailable,
                        "no metadata in the fake");
    return counts(max_age);
  }

  /// Decides `partition_count`'s answers.
  std::function<caf::expected<int32_t>(std::chrono::milliseconds)> counts;

  /// The max age of every `partition_count` call, in order.
  std::vector<std::chrono::milliseconds> count_ages;

  /// Acknowledges every record still waiting, as a successful flush does;
  /// after `fail_for_good`, fails with its error instead.
  caf::error flush(std::chrono::milliseconds) override {
    ++flushes;
    if (fatal_) return fatal_;
    for (size_t i = 0; i < published.size(); ++i)
      if (published[i].callback) ack(i);
    return {};
  }

  /// Reports the `i`th published record as acknowledged.
  void ack(size_t i) {
    run(i, caf::error{});
  }

  /// Reports the `i`th published record as failed with `err`.
  void fail(size_t i, caf::error err) {
    run(i, std::move(err));
  }

  caf::error fatal_error() const override {
    return fatal_;
  }

  void on_fatal(kafka::fatal_callback callback) override {
    if (fatal_)
      callback(fatal_);
    else
      fatal_callbacks_.push_back(std::move(callback));
  }

  /// Fails for good with `err`, as a fatal librdkafka error does: later
  /// publishes and flushes fail with it and every `on_fatal` callback runs.
  /// Records still waiting keep waiting: the test decides their reports.
  void fail_for_good(caf::error err) {
    fatal_ = std::move(err);
    for (auto& callback : std::exchange(fatal_callbacks_, {}))
      callback(fatal_);
  }

  /// Every publish call, in order.
  std::vector<entry> published;

  /// How often `flush` ran.
  size_t flushes = 0;

private:
  caf::error fatal_;
  std::vector<kafka::fatal_callback> fatal_callbacks_;

  void run(size_t i, caf::error err) {
    auto callback = std::move(published.at(i).callback);
    published.at(i).callback = nullptr;
    // Acknowledged records land at their publish index on partition 0.
    kafka::record_position where;
    if (!err) where = {0, static_cast<int64_t>(i), 0};
    callback(err, where);
  }
};

} // namespace semiasync::testing
