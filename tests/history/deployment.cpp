#include "tests/history/deployment.hpp"

#include <stdexcept>

#include "tests/faults/summary.hpp"

namespace semiasync::testing::history {

namespace {

std::vector<std::string> with(std::vector<std::string> flags,
                              const std::vector<std::string>& extra) {
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

std::string flag(const char* name, int value) {
  return std::string{"--"} + name + "=" + std::to_string(value);
}

} // namespace

deployment::deployment(const std::string& scenario, deployment_options opts)
  : opts_(opts), topics_(scenario, opts.partitions) {
  if (opts_.servers < 1 || opts_.servers > max_instances || opts_.workers < 1
      || opts_.workers > max_instances)
    throw std::invalid_argument("deployment: 1.."
                                + std::to_string(max_instances)
                                + " servers and workers");
  for (int i = 0; i < opts_.workers; ++i) {
    auto port = free_port();
    workers_.push_back(start_one_worker(port));
    worker_ports_[i] = port;
  }
  std::vector<uint16_t> ports;
  for (int i = 0; i < opts_.servers; ++i) {
    servers_.push_back(start_one_server());
    server_ports_[i] = servers_.back().port;
    ports.push_back(servers_.back().port);
  }
  warm_up(ports, scenario + "-warm");
  note("history deployment ready: " + std::to_string(opts_.servers)
       + " servers, " + std::to_string(opts_.workers) + " workers");
}

deployment::~deployment() {
  for (auto& w : workers_)
    w->terminate();
  for (auto& s : servers_)
    s.process->terminate();
}

pid_t deployment::worker_pid(int i) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return workers_.at(i)->pid();
}

server_instance deployment::start_one_server() {
  return start_server(
    with(topics_.server_flags(),
         {flag("reply-timeout-ms", opts_.reply_timeout_ms),
          flag("max-wait-ms", opts_.max_wait_ms),
          flag("produce-timeout-ms", opts_.produce_timeout_ms),
          flag("read-timeout-ms", opts_.read_timeout_ms)}));
}

std::unique_ptr<child_process>
deployment::start_one_worker(uint16_t metrics_port) {
  return start_worker(
    with(topics_.worker_flags(),
         {flag("worker-session-timeout-ms", opts_.worker_session_timeout_ms),
          flag("worker-metrics-port", metrics_port),
          "--worker-metrics-address=127.0.0.1"}));
}

void deployment::restart_server(int i) {
  note("history: restarting server-" + std::to_string(i));
  servers_.at(i).process->terminate();
  auto fresh = start_one_server();
  server_ports_[i] = fresh.port;
  std::lock_guard<std::mutex> guard{mtx_};
  retired_.push_back(std::move(servers_[i].process));
  servers_[i] = std::move(fresh);
}

void deployment::kill_and_restart_worker(int i) {
  note("history: kill -9 worker-" + std::to_string(i));
  workers_.at(i)->kill9();
  auto port = free_port();
  auto fresh = start_one_worker(port);
  worker_ports_[i] = port;
  std::lock_guard<std::mutex> guard{mtx_};
  retired_.push_back(std::move(workers_[i]));
  workers_[i] = std::move(fresh);
}

std::string deployment::log_tails() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string result;
  for (size_t i = 0; i < servers_.size(); ++i)
    result += "server-" + std::to_string(i) + " "
              + servers_[i].process->describe_status() + "\n"
              + servers_[i].process->log_tail(15) + "\n";
  for (size_t i = 0; i < workers_.size(); ++i)
    result += "worker-" + std::to_string(i) + " "
              + workers_[i]->describe_status() + "\n"
              + workers_[i]->log_tail(15) + "\n";
  return result;
}

} // namespace semiasync::testing::history
