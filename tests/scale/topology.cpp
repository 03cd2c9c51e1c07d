#include "tests/scale/topology.hpp"

#include "kafka/admin.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"

#ifndef SEMIASYNC_SCALE_RESULTS_FILE
#  error "SEMIASYNC_SCALE_RESULTS_FILE must name the results file"
#endif

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::vector<std::string> with(std::vector<std::string> flags,
                              const std::vector<std::string>& extra) {
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

/// The value of the unlabelled series `name` in a Prometheus text page.
double series_value(const std::string& page, const std::string& name) {
  std::istringstream lines{page};
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind(name + " ", 0) == 0)
      return std::stod(line.substr(name.size() + 1));
  throw std::runtime_error("no series " + name + " in /metrics");
}

} // namespace

scale_topics::scale_topics(const std::string& scenario, int partitions)
  : requests(run_prefix() + "-" + scenario + "-requests"),
    outcomes(run_prefix() + "-" + scenario + "-outcomes"),
    dead_letters(run_prefix() + "-" + scenario + "-requests.dlq"),
    group(run_prefix() + "-" + scenario + "-workers"),
    partitions(partitions) {
  for (auto* topic : {&requests, &outcomes, &dead_letters})
    create_topic(*topic, partitions);
  for (auto* topic : {&requests, &outcomes, &dead_letters})
    wait_until_readable(*topic);
}

scale_topics::~scale_topics() {
  for (auto* topic : {&requests, &outcomes, &dead_letters})
    delete_topic(*topic);
}

std::vector<std::string> scale_topics::server_flags() const {
  return {"--request-topic=" + requests, "--outcome-topic=" + outcomes};
}

std::vector<std::string> scale_topics::worker_flags() const {
  return with(server_flags(), {"--dead-letter-topic=" + dead_letters,
                               "--worker-group=" + group});
}


void add_partitions(const std::string& topic, int partitions) {
  auto problem = kafka::add_partitions(stack().kafka, topic, partitions);
  if (!problem.empty())
    throw std::runtime_error("add_partitions " + topic + ": " + problem);
}

server_instance start_scale_server(const scale_topics& topics,
                                   const server_options& opts) {
  auto flags = with(
    topics.server_flags(),
    {"--outcome-routing=" + opts.routing,
     "--reply-timeout-ms=" + std::to_string(opts.reply_timeout.count())});
  if (!opts.instance_id.empty())
    flags.push_back("--instance-id=" + opts.instance_id);
  if (!opts.reply_partitions.empty())
    flags.push_back("--reply-partitions=" + opts.reply_partitions);
  return start_server(flags);
}

std::unique_ptr<child_process>
start_scale_worker(const scale_topics& topics,
                   std::chrono::milliseconds session_timeout) {
  return start_worker(
    with(topics.worker_flags(), {"--worker-session-timeout-ms="
                                 + std::to_string(session_timeout.count())}));
}

std::string every_nth_partition(int i, int n, int partitions) {
  std::string result;
  for (int p = i; p < partitions; p += n)
    result += (result.empty() ? "" : ",") + std::to_string(p);
  return result;
}

void warm_up(const std::vector<uint16_t>& ports, const std::string& label,
             int rounds, std::chrono::milliseconds quick) {
  auto deadline = clock_type::now() + 90s;
  int streak = 0;
  size_t turn = 0;
  std::string last = "no answer";
  while (streak < rounds) {
    if (clock_type::now() >= deadline)
      FAIL("the topology never answered " << rounds
                                          << " requests in a row quickly "
                                             "(last: "
                                          << last << ")");
    auto name = unique_name(label);
    http_headers key{{"Idempotency-Key", name}};
    for (;;) {
      auto port = ports[turn++ % ports.size()];
      auto started = clock_type::now();
      auto resp
        = try_http_send(port, json_post("/users", name_body(name), key), 40s);
      auto took = clock_type::now() - started;
      last = resp ? std::to_string(resp->status) : std::string{"no answer"};
      if (resp && (resp->status == 201 || resp->status == 409)) {
        streak = took <= quick ? streak + 1 : 0;
        break;
      }
      streak = 0;
      if (clock_type::now() >= deadline) break;
      std::this_thread::sleep_for(200ms);
    }
  }
}

fanin_counters scrape_fanin(uint16_t port) {
  auto resp = http_send(port, {"GET", "/metrics", {}, {}}, 10s);
  if (resp.status != 200)
    throw std::runtime_error("/metrics answered "
                             + std::to_string(resp.status));
  return {series_value(resp.body, "semiasync_outcomes_read_total"),
          series_value(resp.body, "semiasync_outcomes_routed_total"),
          series_value(resp.body, "semiasync_outcomes_dropped_total")};
}

void append_results(const std::string& text) {
  std::ofstream out{SEMIASYNC_SCALE_RESULTS_FILE, std::ios::app};
  out << text;
}

} // namespace semiasync::testing
