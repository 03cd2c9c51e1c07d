#pragma once

#include "actors/protocol.hpp"
#include "domain/error.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <vector>

namespace semiasync::testing {

/// What the fake producer does with each publish request.
enum class publish_mode {
  /// Answers `ok` at once, as if the broker acknowledged.
  ack,
  /// Answers `publish_failed` at once.
  fail,
  /// Answers `publish_uncertain` at once: the record may be written.
  uncertain,
  /// Never answers: the request's produce timeout decides.
  hold,
};

/// Shared between a test and its fake producer actor.
struct fake_producer_log {
  /// How to answer.
  publish_mode mode = publish_mode::ack;
  /// Every record asked to be published, in order.
  std::vector<kafka::outgoing_record> records;
  /// Promises kept in `hold` mode, so they stay unanswered.
  std::vector<caf::typed_response_promise<publish_receipt>> held;
  /// Records acknowledged so far (the next one's offset).
  int64_t acknowledged = 0;
};

/// Acknowledged records land on partition 0, one offset after another.
inline int64_t next_offset(fake_producer_log& log) {
  return log.acknowledged++;
}

/// A `producer_actor` that records requests and answers per `log->mode`.
inline producer_actor::behavior_type
fake_producer(producer_actor::pointer self,
              std::shared_ptr<fake_producer_log> log) {
  return {
    [self, log](publish_atom, kafka::outgoing_record& rec) {
      log->records.push_back(rec);
      auto promise = self->make_response_promise<publish_receipt>();
      switch (log->mode) {
        case publish_mode::ack:
          promise.deliver(publish_receipt{0, next_offset(*log)});
          break;
        case publish_mode::fail:
          promise.deliver(
            make_error(error_code::publish_failed, "broker down"));
          break;
        case publish_mode::uncertain:
          promise.deliver(
            make_error(error_code::publish_uncertain, "timed out in flight"));
          break;
        case publish_mode::hold: log->held.push_back(promise); break;
      }
      return promise;
    },
    [log](delivered_atom, uint64_t i, caf::error& err,
          const kafka::record_position&) {
      // Releases the `i`th held publish, as a late delivery report would.
      if (err)
        log->held.at(i).deliver(std::move(err));
      else
        log->held.at(i).deliver(publish_receipt{0, next_offset(*log)});
    },
  };
}

} // namespace semiasync::testing
