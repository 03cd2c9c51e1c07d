#pragma once

#include "kafka/client_config.hpp"
#include "kafka/interfaces.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace semiasync::kafka {

/// Picks the partitions to read once the topic's partition count is known;
/// an error aborts the reader's creation with that error.
using partition_chooser
  = std::function<caf::expected<std::vector<int32_t>>(int32_t partition_count)>;

/// A `record_source` over one librdkafka KafkaConsumer handle. Not
/// thread-safe except `assigned()`: one thread polls, marks and commits.
/// Rebalance callbacks run inside `poll` on that thread.
class consumer final : public record_source {
public:
  /// A group member reading `topics`, starting at the group's committed
  /// offsets (earliest when none); offsets passed to `mark_done` are
  /// committed every second and on shutdown.
  static caf::expected<std::unique_ptr<consumer>>
  subscribe(const std::string& brokers, const std::string& group_id,
            const std::vector<std::string>& topics,
            const properties& overrides = {});

  /// A reader of every partition of `topic` from its current end, so nothing
  /// published after this returns is missed and nothing older is seen; never
  /// commits. Fails when the broker does not answer within `timeout` or the
  /// topic does not exist. `extend_assignment` adds partitions the topic
  /// gains later.
  static caf::expected<std::unique_ptr<consumer>>
  assign_from_end(const std::string& brokers, const std::string& group_id,
                  const std::string& topic, std::chrono::milliseconds timeout,
                  const properties& overrides = {});

  /// A reader of the partitions of `topic` that `choose` picks from its
  /// partition count, each from its current end; never commits, never
  /// reads other partitions (partitions added later included). Fails as
  /// `assign_from_end` does, or with `choose`'s error, or when `choose`
  /// names no partition or one the topic does not have.
  static caf::expected<std::unique_ptr<consumer>> assign_chosen_from_end(
    const std::string& brokers, const std::string& group_id,
    const std::string& topic, const partition_chooser& choose,
    std::chrono::milliseconds timeout, const properties& overrides = {});

  /// Leaves the group (committing stored offsets when auto commit is on)
  /// without calling the revocation handler.
  ~consumer() override;

  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  /// Waits up to `timeout` for one record, then takes what is ready, up to
  /// `max`. Errors are `error_code::broker_unavailable`; an error that follows
  /// some records is reported by the next call.
  caf::expected<std::vector<record>>
  poll(size_t max, std::chrono::milliseconds timeout) override;

  /// Stores `offset + 1` for the next commit. A partition this consumer no
  /// longer owns is not an error: its new owner re-reads from the last
  /// commit, which is what at-least-once allows.
  caf::error mark_done(const std::string& topic, int32_t partition,
                       int64_t offset) override;

  /// True while this consumer owns at least one partition. Any thread.
  bool assigned() const override;

  /// Commits the stored offsets now, waiting for the broker (for shutdown
  /// and tests); nothing stored is not an error.
  caf::error commit_now();

  /// Sets the handler for revoked partitions; call before the first `poll`.
  void on_revoked(revocation_handler handler) override;

  /// From librdkafka's cached positions and high watermarks of the owned
  /// partitions; see `record_source::lag`. Any thread.
  int64_t lag() const override;

  /// Assigns, from their beginning, the partitions `topic` gained since
  /// this reader looked, when it reads every partition (`assign_from_end`);
  /// otherwise nothing. Asks the broker for that topic's metadata, waiting
  /// up to `timeout`.
  caf::expected<std::vector<int32_t>>
  extend_assignment(std::chrono::milliseconds timeout) override;

  /// The partitions this consumer reads now, in order. Any thread.
  std::vector<int32_t> owned_partitions(const std::string& topic) const;

private:
  struct impl;

  explicit consumer(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::kafka
