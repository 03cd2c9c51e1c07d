#pragma once

// Owned librdkafka C handles, and one admin request from start to result
// event, for the .cpp files that use librdkafka's C API (kafka/admin.cpp,
// kafka/producer.cpp, kafka/backlog_probe.cpp). Not for other headers: it
// pulls in librdkafka.

#include <chrono>
#include <librdkafka/rdkafka.h>
#include <memory>
#include <string>

namespace semiasync::kafka {

/// Destroys each librdkafka C handle with its own function.
struct rd_deleter {
  void operator()(rd_kafka_t* p) const {
    rd_kafka_destroy(p);
  }
  void operator()(rd_kafka_queue_t* p) const {
    rd_kafka_queue_destroy(p);
  }
  void operator()(rd_kafka_event_t* p) const {
    rd_kafka_event_destroy(p);
  }
  void operator()(rd_kafka_AdminOptions_t* p) const {
    rd_kafka_AdminOptions_destroy(p);
  }
};

/// A librdkafka C handle that is destroyed with it.
template <class T>
using rd_owned = std::unique_ptr<T, rd_deleter>;

/// The result event of one admin request, or why there is none.
struct admin_answer {
  /// The result event; null when `error` says why.
  rd_owned<rd_kafka_event_t> event;
  /// Empty when the request succeeded as a whole (its per-item results
  /// may still hold errors).
  std::string error;
};

/// Runs admin request `op` on `rk`: `start(rk, options, queue)` issues it
/// with `request_timeout` (also as the operation timeout, where the
/// operation has one), then waits up to `wait` for its result event.
template <class Start>
admin_answer admin_request(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                           std::chrono::milliseconds request_timeout,
                           std::chrono::milliseconds wait, Start start) {
  rd_owned<rd_kafka_queue_t> queue{rd_kafka_queue_new(rk)};
  rd_owned<rd_kafka_AdminOptions_t> options{rd_kafka_AdminOptions_new(rk, op)};
  char err[512];
  auto ms = static_cast<int>(request_timeout.count());
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, err,
                                                sizeof(err))
      != RD_KAFKA_RESP_ERR_NO_ERROR)
    return {nullptr, err};
  // Refused by operations without one (e.g. DescribeConfigs): harmless.
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, err,
                                              sizeof(err));
  start(rk, options.get(), queue.get());
  rd_owned<rd_kafka_event_t> event{
    rd_kafka_queue_poll(queue.get(), static_cast<int>(wait.count()))};
  if (!event) return {nullptr, "no answer from the broker"};
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return {nullptr, rd_kafka_event_error_string(event.get())};
  return {std::move(event), {}};
}

} // namespace semiasync::kafka
