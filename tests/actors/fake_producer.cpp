#include "tests/actors/fake_producer.hpp"

#include "domain/error.hpp"

namespace semiasync::testing {

producer_actor::behavior_type
fake_producer(producer_actor::pointer self,
              std::shared_ptr<fake_producer_log> log) {
  return {
    [self, log](publish_atom, kafka::outgoing_record& rec) {
      log->records.push_back(rec);
      auto promise = self->make_response_promise<caf::ok_atom>();
      switch (log->mode) {
        case publish_mode::ack: promise.deliver(caf::ok_atom::value); break;
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
    [](delivered_atom, uint64_t, caf::error&) {
      // The fake answers directly; it never gets delivery reports.
    },
  };
}

} // namespace semiasync::testing
