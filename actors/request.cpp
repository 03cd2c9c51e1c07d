#include "actors/request.hpp"

#include "domain/error.hpp"
#include "domain/wire_codec.hpp"

#include <caf/sec.hpp>

#include <memory>

namespace semiasync {

namespace {

using self_pointer = request_actor::stateful_pointer<request_state>;

/// Answers once, withdraws and quits; a no-op after the first call.
void finish(self_pointer self, const request_context& ctx,
            caf::expected<outcome> result) {
  if (self->state.answered) return;
  self->state.answered = true;
  ctx.reply(std::move(result));
  self->send(ctx.registry, withdraw_atom::value,
             caf::actor_cast<request_actor>(self));
  self->quit();
}

/// librdkafka enforces its message timeout (the produce timeout) on a
/// coarse timer; the delivery report is the authority, so our own wait
/// allows it this much longer before giving up on it.
constexpr auto delivery_report_grace = std::chrono::milliseconds{1500};

/// A failure to publish where the record certainly never reached the
/// broker: the client may retry, so it is a 503.
caf::error as_publish_failure(const caf::error& err) {
  if (code_of(err) == error_code::publish_failed) return err;
  return make_error(error_code::publish_failed, "the producer is unavailable");
}

} // namespace

request_actor::behavior_type create_user_request(self_pointer self,
                                                 request_context ctx) {
  auto shared = std::make_shared<request_context>(std::move(ctx));
  self->delayed_send(self, shared->deadline, deadline_atom::value);
  // Register first, publish second: the outcome cannot overtake a
  // registration that completed before the request left this process.
  auto me = caf::actor_cast<request_actor>(self);
  self
    ->request(shared->registry, caf::infinite, enroll_atom::value,
              shared->command.request, me)
    .then(
      [self, shared](caf::ok_atom) {
        kafka::outgoing_record rec{shared->request_topic,
                                   encode_request(shared->command)};
        self
          ->request(shared->producer,
                    shared->produce_timeout + delivery_report_grace,
                    publish_atom::value, std::move(rec))
          .then([](caf::ok_atom) {},
                [self, shared](caf::error& err) {
                  // The record may be on the broker: keep waiting for its
                  // outcome; the deadline answers 504 if none comes.
                  if (code_of(err) == error_code::publish_uncertain
                      || err == caf::sec::request_timeout)
                    return;
                  finish(self, *shared, as_publish_failure(err));
                });
      },
      [self, shared](caf::error& err) {
        finish(self, *shared,
               make_error(error_code::unavailable,
                          "registry unavailable: " + to_string(err)));
      });
  return {
    [self, shared](outcome_atom, outcome& result) {
      finish(self, *shared, std::move(result));
    },
    [self, shared](deadline_atom) {
      finish(self, *shared,
             make_error(error_code::reply_timeout,
                        "no outcome arrived before the deadline"));
    },
  };
}

} // namespace semiasync
