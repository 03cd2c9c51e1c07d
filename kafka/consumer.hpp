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
  /// topic does not exist.
  static caf::expected<std::unique_ptr<consumer>>
  assign_from_end(const std::string& brokers, const std::string& group_id,
                  const std::string& topic, std::chrono::milliseconds timeout,
                  const properties& overrides = {});

  /// Leaves the group (committing stored offsets when auto commit is on)
  /// without calling the revocation handler.
  ~consumer() override;

  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  /// Waits up to `timeout` for one record, then takes what is ready, up to
  /// `max`. Errors are `error_code::unavailable`; an error that follows some
  /// records is reported by the next call.
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

private:
  struct impl;

  explicit consumer(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::kafka
