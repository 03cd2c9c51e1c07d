#include "tests/faults/rig.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include "tests/faults/summary.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Partitions of every scenario topic, as scripts/stack creates the real
/// ones: several partitions make rebalances and redeliveries realistic.
constexpr int partitions = 6;

/// A fresh worker group may need a rebalance or two before it owns the
/// partitions; this bounds the first request's round trip.
constexpr auto warm_up_timeout = 60s;

std::vector<std::string> with(std::vector<std::string> flags,
                              const std::vector<std::string>& extra) {
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}


} // namespace

scenario_topics::scenario_topics(const std::string& scenario)
  : requests(run_prefix() + "-" + scenario + "-requests"),
    outcomes(run_prefix() + "-" + scenario + "-outcomes"),
    dead_letters(run_prefix() + "-" + scenario + "-dlq") {
  for (auto* topic : {&requests, &outcomes, &dead_letters})
    create_topic(*topic, partitions);
  for (auto* topic : {&requests, &outcomes, &dead_letters})
    wait_until_readable(*topic);
}

scenario_topics::~scenario_topics() {
  delete_topic(requests);
  delete_topic(outcomes);
  delete_topic(dead_letters);
}

fault_rig::fault_rig(const std::string& scenario, rig_options opts)
  : topics_(scenario),
    group_(run_prefix() + "-" + scenario + "-workers"),
    load_label_(scenario + "-load"),
    opts_(std::move(opts)),
    server_(start_server(with({"--request-topic=" + topics_.requests,
                               "--outcome-topic=" + topics_.outcomes},
                              opts_.server_flags))),
    worker_(start_worker(worker_flags())) {
  warm_up();
  note("rig " + scenario + " ready: server pid "
       + std::to_string(server_.process->pid()) + " on port "
       + std::to_string(server_.port) + ", worker pid "
       + std::to_string(worker_->pid()));
}

fault_rig::~fault_rig() {
  worker_->terminate();
  server_.process->terminate();
}

std::string fault_rig::name_prefix() const {
  return run_prefix() + "-" + load_label_ + "-";
}

void fault_rig::kill_and_restart_worker() {
  note("kill -9 worker pid " + std::to_string(worker_->pid()));
  worker_->kill9();
  retired_.push_back(std::move(worker_));
  worker_ = start_worker(worker_flags());
  note("worker restarted: pid " + std::to_string(worker_->pid()));
}

std::string fault_rig::log_tails() const {
  auto result = "server " + server_.process->describe_status() + "\n"
                + server_.process->log_tail();
  for (auto& old : retired_)
    result
      += "\nkilled worker " + old->describe_status() + "\n" + old->log_tail(10);
  return result + "\nworker " + worker_->describe_status() + "\n"
         + worker_->log_tail();
}

std::vector<std::string> fault_rig::worker_flags() const {
  return with({"--request-topic=" + topics_.requests,
               "--outcome-topic=" + topics_.outcomes,
               "--dead-letter-topic=" + topics_.dead_letters,
               "--worker-group=" + group_},
              opts_.worker_flags);
}

void fault_rig::warm_up() {
  // A 504 or 503 only means the worker has no partitions yet; the retry
  // carries the same Idempotency-Key, so it gets the original outcome.
  // Not under name_prefix(): the audits see load names only.
  auto name = unique_name("warm-up-" + load_label_);
  auto request
    = json_post("/users", name_body(name), {{"Idempotency-Key", name}});
  auto deadline = clock_type::now() + warm_up_timeout;
  std::string last = "no answer";
  while (clock_type::now() < deadline && worker_->running()) {
    auto resp = try_http_send(server_.port, request, 15s);
    if (resp && resp->status == 201) return;
    last = resp ? std::to_string(resp->status) + " " + resp->body
                : std::string{"no answer"};
    if (resp && resp->status != 504 && resp->status != 503) break;
    std::this_thread::sleep_for(200ms);
  }
  FAIL("the rig never answered 201 (last: " << last << ")\n" << log_tails());
}

} // namespace semiasync::testing
