#include "actors/worker.hpp"

#include "domain/create_user.hpp"
#include "domain/error.hpp"
#include "domain/log.hpp"
#include "domain/wire_codec.hpp"

#include <caf/system_messages.hpp>

#include <algorithm>
#include <chrono>

namespace semiasync {

namespace {

using self_pointer = poller_actor::stateful_pointer<worker_state>;

/// How long a stopping worker waits for outstanding delivery reports, so
/// the offsets of outcomes the broker already has are committed on close.
constexpr auto shutdown_flush = std::chrono::seconds{5};

/// What processing one record came to.
enum class step { done, retry_later };

/// Publishes `msg` for `rec`; the delivery report lands in `finished`.
void publish_for(worker_state& st, const kafka::record& rec,
                 kafka::outgoing_record out, uint64_t worker_stats::*counter) {
  auto sink = st.finished;
  auto err = st.publisher->publish(
    std::move(out), [sink, rec, counter](const caf::error& result) {
      sink->push_back(finished_publish{rec, result, counter});
    });
  // Refused at once (queue full): report it like a failed delivery, so the
  // record is retried instead of lost.
  if (err)
    st.finished->push_back(finished_publish{rec, std::move(err), counter});
}

/// Moves `rec` to the dead-letter topic with headers naming its source and
/// the reason, keeping its own key, value and headers.
void dead_letter(worker_state& st, const kafka::record& rec,
                 const caf::error& why) {
  auto reason
    = detail_of(why).empty() ? to_string(code_of(why)) : detail_of(why);
  log(log_level::warn, "worker",
      "dead-lettering " + kafka::position_of(rec) + ": " + reason);
  kafka::outgoing_record out{st.cfg.dead_letter_topic, rec.message};
  auto& hdrs = out.message.headers;
  hdrs.push_back({"dlqSourceTopic", rec.topic});
  hdrs.push_back({"dlqSourcePartition", std::to_string(rec.partition)});
  hdrs.push_back({"dlqSourceOffset", std::to_string(rec.offset)});
  hdrs.push_back({"dlqError", reason});
  publish_for(st, rec, std::move(out), &worker_stats::dead_lettered);
}

/// Runs one record through decode, the create-user rule and publishing.
step process(worker_state& st, const kafka::record& rec) {
  auto request = decode_request(rec.message);
  if (!request) {
    dead_letter(st, rec, request.error());
    return step::done;
  }
  auto result = create_user(*st.users, *st.ids, *request);
  if (!result) {
    if (code_of(result.error()) == error_code::database_unavailable)
      return step::retry_later;
    dead_letter(st, rec, result.error());
    return step::done;
  }
  auto counter = std::holds_alternative<user_created>(*result)
                   ? &worker_stats::created
                   : &worker_stats::duplicated;
  publish_for(st, rec, {st.cfg.outcome_topic, encode_outcome(*result)},
              counter);
  return step::done;
}

/// Waits before the next attempt: doubling from min to max backoff.
caf::timespan next_backoff(const worker_state& st) {
  if (st.backoff.count() == 0) return st.cfg.min_backoff;
  return std::min(st.backoff * 2, st.cfg.max_backoff);
}

/// Applies delivery reports: commits what is safe, queues what failed for
/// another attempt. Returns true when any publish failed.
bool apply_finished(worker_state& st) {
  bool any_failed = false;
  auto done = std::move(*st.finished);
  st.finished->clear();
  for (auto& item : done) {
    auto& rec = item.source;
    if (item.error) {
      // Not acknowledged: the outcome may or may not be on the broker.
      // Processing again is harmless (idempotent) and keeps the offset held.
      log(log_level::warn, "worker",
          "publish for " + kafka::position_of(rec)
            + " failed, retrying: " + detail_of(item.error));
      ++st.stats.retries;
      st.backlog.push_front(std::move(rec));
      any_failed = true;
      continue;
    }
    ++(st.stats.*item.counter);
    if (auto safe = st.tracker.finished(rec.topic, rec.partition, rec.offset))
      if (auto err = st.source->mark_done(rec.topic, rec.partition, *safe))
        log(log_level::warn, "worker",
            "could not store offset for " + kafka::position_of(rec) + ": "
              + detail_of(err));
  }
  return any_failed;
}

/// Forgets a partition a rebalance took away: its new owner starts from the
/// last commit, so neither its pending offsets nor its unprocessed records
/// are ours to finish.
void forget_partition(worker_state& st, const std::string& topic,
                      int32_t partition) {
  st.tracker.forget_partition(topic, partition);
  auto& backlog = st.backlog;
  backlog.erase(std::remove_if(backlog.begin(), backlog.end(),
                               [&](const kafka::record& rec) {
                                 return rec.partition == partition
                                        && rec.topic == topic;
                               }),
                backlog.end());
}

/// Waits before the next attempt, logging why.
void back_off(self_pointer self, const std::string& why) {
  auto& st = self->state;
  st.backoff = next_backoff(st);
  ++st.stats.retries;
  log(log_level::warn, "worker",
      why + ", retrying in "
        + std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(st.backoff)
            .count())
        + " ms");
  self->delayed_send(self, st.backoff, poll_atom::value);
}

/// Reads the next batch when nothing is left to process.
void refill(worker_state& st) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    st.cfg.poll_timeout);
  auto batch = st.source->poll(st.cfg.batch_size, timeout);
  if (!batch) {
    log(log_level::warn, "worker", "poll failed: " + detail_of(batch.error()));
    return;
  }
  for (auto& rec : *batch) {
    st.tracker.started(rec.topic, rec.partition, rec.offset);
    st.backlog.push_back(std::move(rec));
  }
}

} // namespace

poller_actor::behavior_type worker(self_pointer self,
                                   std::shared_ptr<kafka::record_source> source,
                                   std::shared_ptr<kafka::publisher> publisher,
                                   std::shared_ptr<user_repository> users,
                                   std::shared_ptr<uuid_source> ids,
                                   worker_settings cfg) {
  auto& st = self->state;
  st.source = std::move(source);
  st.publisher = std::move(publisher);
  st.users = std::move(users);
  st.ids = std::move(ids);
  st.cfg = std::move(cfg);
  st.finished = std::make_shared<std::vector<finished_publish>>();
  // Runs inside `poll`, on this actor's thread, while the state is alive.
  st.source->on_revoked([&st](const std::string& topic, int32_t partition) {
    forget_partition(st, topic, partition);
  });
  // A graceful stop applies the last delivery reports before quitting: the
  // consumer commits stored offsets when it closes, so records whose
  // outcomes are on the broker are not processed again by the next owner.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    auto& st = self->state;
    if (auto err = st.publisher->flush(shutdown_flush))
      log(log_level::warn, "worker",
          "outcomes still unacknowledged at shutdown: " + detail_of(err));
    apply_finished(st);
    self->quit(msg.reason);
  });
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      auto& st = self->state;
      st.publisher->serve_delivery_reports(std::chrono::milliseconds{0});
      if (apply_finished(st)) {
        // The broker refused or lost outcomes: give it time instead of
        // re-running the database work in a tight loop.
        back_off(self, "publishing outcomes failed");
        return;
      }
      if (st.backlog.empty()) refill(st);
      while (!st.backlog.empty()) {
        if (process(st, st.backlog.front()) == step::retry_later) {
          back_off(self, "database unavailable at "
                           + kafka::position_of(st.backlog.front()));
          return;
        }
        st.backoff = caf::timespan{0};
        st.backlog.pop_front();
      }
      self->send(self, poll_atom::value);
    },
  };
}

} // namespace semiasync
