// semiasync_kafka_floor: what one Kafka hop costs with the project's own
// clients and settings (kafka::producer and kafka::consumer, hence
// kafka/client_config.cpp's defaults), on a fresh topic of its own.
//
//  - latency: N records one at a time; each is published, then read back by
//    an assign-from-end consumer (the server's outcome reader), before the
//    next one leaves. Reports produce->consume and produce->acknowledged.
//  - throughput: M records published back to back, read back by the same
//    consumer; reports records/s from the first publish to the last read.
//
// A create-user request crosses two such hops (server -> worker, worker ->
// server), so 2 x the one-hop latency is the pipeline's Kafka floor.
// Prints one JSON object on stdout.
//
// Usage: semiasync_kafka_floor --brokers=127.0.0.1:9093 --topic=T
//          [--partitions=6] [--messages=2000] [--throughput-messages=50000]
//          [--keep-topic] [--producer=linger.ms=5 ...] [--consumer=k=v ...]
//
// --producer / --consumer apply librdkafka properties over the project's
// defaults (make_conf's overrides), to try a setting before changing it.

#include "bench/histogram.hpp"
#include "kafka/admin.hpp"
#include "kafka/client_config.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

using namespace semiasync;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct options {
  std::string brokers = "127.0.0.1:9093";
  std::string topic;
  int partitions = 6;
  uint64_t messages = 2000;
  uint64_t throughput_messages = 50000;
  bool keep_topic = false;
  kafka::properties producer_overrides;
  kafka::properties consumer_overrides;
};

/// "name=value" into `props`.
void add_property(kafka::properties& props, const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return;
  props[text.substr(0, eq)] = text.substr(eq + 1);
}

/// The produce timeout the server uses by default (produceTimeoutMs).
constexpr auto delivery_timeout = 2000ms;

uint64_t micros(clock_type::duration d) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

/// A record shaped like a create-user request: key = name, JSON value of
/// the same size, one header.
kafka::outgoing_record make_record(const std::string& topic, uint64_t i) {
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012llu",
                static_cast<unsigned long long>(i % 1000000000000ULL));
  auto name = "kafka-floor-" + std::to_string(i);
  wire_message msg;
  msg.key = name;
  msg.value = std::string{R"({"requestUUID":")"} + id + R"(","name":")" + name
              + "\"}";
  msg.headers.push_back({"requestUUID", id});
  return {topic, std::move(msg)};
}

std::string props_json(const kafka::properties& props) {
  std::string out;
  for (auto& [k, v] : props) {
    if (k == "bootstrap.servers" || k == "group.id") continue;
    out += (out.empty() ? "" : ",") + ("\"" + k + "\":\"" + v + "\"");
  }
  return "{" + out + "}";
}

/// `base` with `extra` applied over it, as make_conf applies overrides.
kafka::properties with(kafka::properties base, const kafka::properties& extra) {
  for (auto& [k, v] : extra) base[k] = v;
  return base;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "semiasync_kafka_floor: %s\n", what.c_str());
  std::exit(1);
}

/// Polls until `have_count` reaches `want_count` or the deadline passes; the
/// consumer reads a topic only this tool writes, so every record counts.
bool read_until(kafka::consumer& reader, uint64_t want_count,
                uint64_t& have_count, clock_type::time_point deadline,
                clock_type::time_point* last_at = nullptr) {
  while (have_count < want_count) {
    if (clock_type::now() > deadline) return false;
    auto batch = reader.poll(1024, 100ms);
    if (!batch) continue;
    have_count += batch->size();
    if (last_at && !batch->empty()) *last_at = clock_type::now();
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = a.substr(a.find('=') + 1);
    if (a.rfind("--brokers=", 0) == 0) opt.brokers = val;
    else if (a.rfind("--topic=", 0) == 0) opt.topic = val;
    else if (a.rfind("--partitions=", 0) == 0) opt.partitions = std::stoi(val);
    else if (a.rfind("--messages=", 0) == 0) opt.messages = std::stoull(val);
    else if (a.rfind("--throughput-messages=", 0) == 0)
      opt.throughput_messages = std::stoull(val);
    else if (a == "--keep-topic") opt.keep_topic = true;
    else if (a.rfind("--producer=", 0) == 0)
      add_property(opt.producer_overrides, val);
    else if (a.rfind("--consumer=", 0) == 0)
      add_property(opt.consumer_overrides, val);
    else fail("unknown argument " + a);
  }
  if (opt.topic.empty()) fail("--topic is required");
  if (auto p = kafka::create_topics(opt.brokers, {opt.topic}, opt.partitions);
      !p.empty())
    fail("create topic: " + p);

  auto made = kafka::producer::make(opt.brokers, delivery_timeout,
                                    opt.producer_overrides);
  if (!made) fail("producer: " + to_string(made.error()));
  auto& producer = **made;
  // As in the server: a thread of its own serves delivery reports.
  producer.start_polling_thread();
  auto opened = kafka::consumer::assign_from_end(
    opt.brokers, opt.topic + "-reader", opt.topic, 15s,
    opt.consumer_overrides);
  if (!opened) fail("consumer: " + to_string(opened.error()));
  auto& reader = **opened;

  bench::histogram one_hop, ack;
  std::mutex ack_mutex;
  uint64_t failures = 0;
  uint64_t read = 0;
  const uint64_t warmup = 100;
  for (uint64_t i = 0; i < warmup + opt.messages; ++i) {
    auto t0 = clock_type::now();
    bool measure = i >= warmup;
    auto err = producer.publish(
      make_record(opt.topic, i), [&, t0, measure](const caf::error& e,
                                         const kafka::record_position&) {
        std::lock_guard<std::mutex> guard{ack_mutex};
        if (e) ++failures;
        else if (measure) ack.record(micros(clock_type::now() - t0));
      });
    if (err) fail("publish: " + to_string(err));
    if (!read_until(reader, i + 1, read, t0 + 10s))
      fail("record " + std::to_string(i) + " not read back within 10 s");
    if (measure) one_hop.record(micros(clock_type::now() - t0));
  }
  // Let the last acknowledgement land before reading the histogram.
  producer.flush(5s);

  // Throughput: everything queued at once, librdkafka batches by linger.ms.
  const uint64_t base = warmup + opt.messages;
  auto t0 = clock_type::now();
  for (uint64_t i = 0; i < opt.throughput_messages; ++i) {
    while (producer.publish(make_record(opt.topic, base + i), nullptr)) {
      // Queue full: let librdkafka drain it.
      std::this_thread::sleep_for(1ms);
    }
  }
  auto last = t0;
  bool complete = read_until(reader, base + opt.throughput_messages, read,
                             t0 + 120s, &last);
  double secs = std::chrono::duration<double>(last - t0).count();
  uint64_t got = read - base;

  // The clients go before their topic: librdkafka 2.0.2 could hang in a
  // consumer's destructor once the topic it was assigned was deleted.
  producer.flush(5s);
  made->reset();
  opened->reset();
  if (!opt.keep_topic) kafka::delete_topics(opt.brokers, {opt.topic});
  std::lock_guard<std::mutex> guard{ack_mutex};
  std::printf(
    "{\"tool\":\"kafka_floor\",\"partitions\":%d,\"messages\":%llu,"
    "\"one_hop_ms\":%s,\"ack_ms\":%s,\"delivery_failures\":%llu,"
    "\"throughput\":{\"messages\":%llu,\"read\":%llu,\"complete\":%s,"
    "\"seconds\":%.3f,\"per_s\":%.1f},"
    "\"producer_settings\":%s,\"consumer_settings\":%s}\n",
    opt.partitions, static_cast<unsigned long long>(opt.messages),
    bench::to_json_ms(one_hop).c_str(), bench::to_json_ms(ack).c_str(),
    static_cast<unsigned long long>(failures),
    static_cast<unsigned long long>(opt.throughput_messages),
    static_cast<unsigned long long>(got), complete ? "true" : "false", secs,
    secs > 0 ? static_cast<double>(got) / secs : 0.0,
    props_json(with(kafka::producer_defaults(opt.brokers, delivery_timeout),
                    opt.producer_overrides))
      .c_str(),
    props_json(with(kafka::consumer_defaults(opt.brokers, "x"),
                    opt.consumer_overrides))
      .c_str());
  std::fprintf(stderr,
               "kafka floor: one hop p50 %.2f ms p99 %.2f ms; ack p50 %.2f ms; "
               "throughput %.0f records/s\n",
               one_hop.percentile(50) / 1000.0, one_hop.percentile(99) / 1000.0,
               ack.percentile(50) / 1000.0,
               secs > 0 ? static_cast<double>(got) / secs : 0.0);
  return 0;
}
