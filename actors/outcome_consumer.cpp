#include "actors/outcome_consumer.hpp"

#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"
#include "logging/log.hpp"

#include <caf/send.hpp>

#include <chrono>

#include "tracing/span_context.hpp"
#include "tracing/trace_headers.hpp"

namespace semiasync {

namespace {

using self_pointer = poller_actor::stateful_pointer<outcome_consumer_state>;

/// Records per poll: enough to drain bursts, small enough to stay responsive
/// to other messages such as exit.
constexpr size_t batch_size = 512;

std::chrono::milliseconds millis(caf::timespan t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t);
}

/// Takes up partitions the topic gained, when a check is due. Between
/// checks a new partition goes unread; it is read from its beginning once
/// found, so its outcomes arrive late rather than never.
void check_partitions(self_pointer self) {
  auto& st = self->state;
  if (st.cfg.partition_check_interval <= caf::timespan{0}) return;
  auto now = self->clock().now();
  if (now < st.next_partition_check) return;
  st.next_partition_check = now + st.cfg.partition_check_interval;
  auto added
    = st.source->extend_assignment(millis(st.cfg.partition_check_timeout));
  if (!added) {
    // The next check tries again; meanwhile the known partitions are read.
    log(log_level::warn, "outcome_consumer",
        "cannot check for new partitions: " + detail_of(added.error()));
    return;
  }
  if (added->empty()) return;
  std::string list;
  for (auto p : *added)
    list += (list.empty() ? "" : ",") + std::to_string(p);
  log(log_level::info, "outcome_consumer",
      "the outcome topic gained partitions; now also reading " + list);
}

/// Where `rec` was read, with its `traceparent` when the trace is kept:
/// the context as every hop reads it (the last header, validated).
kafka::record_position origin_of(const outcome_consumer_settings& cfg,
                                 const kafka::record& rec) {
  auto at = kafka::position_in_topic(rec);
  if (cfg.keep_trace)
    if (auto parent = tracing::context_of(rec.message))
      at.trace_parent = tracing::format_traceparent(*parent);
  return at;
}

/// Hands a route's reply to the gateway keeper, or logs why it cannot.
void pass_route_reply(const outcome_consumer_settings& cfg,
                      const route_reply_reading& how,
                      const kafka::record& rec) {
  auto decoded = decode_route_reply(how.protocol, rec.message, how.type_header);
  if (!decoded) {
    log(log_level::warn, "outcome_consumer",
        "reply without a request at " + kafka::position_of(rec) + ": "
          + detail_of(decoded.error()));
    return;
  }
  decoded->origin = origin_of(cfg, rec);
  caf::anon_send(how.keeper, outcome_atom::value, std::move(*decoded));
}

void read_batch(self_pointer self) {
  auto& st = self->state;
  auto batch = st.source->poll(batch_size, millis(st.cfg.poll_timeout));
  if (!batch) {
    log(log_level::warn, "outcome_consumer",
        "poll failed: " + detail_of(batch.error()));
    return;
  }
  for (auto& rec : *batch) {
    if (st.cfg.records_read) st.cfg.records_read->inc();
    if (st.cfg.route_replies) {
      pass_route_reply(st.cfg, *st.cfg.route_replies, rec);
      continue;
    }
    auto decoded = decode_outcome(rec.message);
    if (!decoded) {
      // Not ours to fix: the worker's dead-letter handling owns bad
      // requests; an undecodable outcome only costs its waiter a 504.
      log(log_level::warn, "outcome_consumer",
          "undecodable outcome at " + kafka::position_of(rec) + ": "
            + detail_of(decoded.error()));
      continue;
    }
    self->send(st.registry, outcome_atom::value, std::move(*decoded),
               origin_of(st.cfg, rec));
  }
}

} // namespace

poller_actor::behavior_type
outcome_consumer(self_pointer self,
                 std::shared_ptr<kafka::record_source> source,
                 registry_actor registry, outcome_consumer_settings cfg) {
  auto& st = self->state;
  st.source = std::move(source);
  st.registry = std::move(registry);
  st.cfg = cfg;
  // The first check waits one interval: the source was just assigned.
  st.next_partition_check = self->clock().now() + cfg.partition_check_interval;
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      check_partitions(self);
      read_batch(self);
      self->send(self, poll_atom::value);
    },
  };
}

} // namespace semiasync
