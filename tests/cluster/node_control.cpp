#include "tests/cluster/node_control.hpp"

#include "kafka/admin.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "tests/faults/summary.hpp"
#include "tests/integration/child_process.hpp"
#include "tests/integration/stack.hpp"

#ifndef SEMIASYNC_CLUSTER_STACK_SCRIPT
#  error "SEMIASYNC_CLUSTER_STACK_SCRIPT must name scripts/stack"
#endif
#ifndef SEMIASYNC_CLUSTER_LOG_DIR
#  error "SEMIASYNC_CLUSTER_LOG_DIR must name a directory for logs"
#endif

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;

/// A fresh log file path for `label`.
std::string log_path_for(const std::string& label) {
  static std::atomic<int> counter{0};
  std::filesystem::create_directories(SEMIASYNC_CLUSTER_LOG_DIR);
  return std::string{SEMIASYNC_CLUSTER_LOG_DIR} + "/" + label + "-"
         + std::to_string(::getpid()) + "-" + std::to_string(++counter)
         + ".log";
}

} // namespace

void run_node_command(const std::string& command, int node,
                      std::chrono::seconds timeout) {
  auto name = "kafka-" + std::to_string(node);
  auto what = "scripts/stack " + command + " " + name;
  note(what);
  child_process proc{{SEMIASYNC_CLUSTER_STACK_SCRIPT, command, name},
                     {},
                     log_path_for("stack-" + command + "-" + name)};
  auto deadline = load_clock::now() + timeout;
  while (proc.running() && load_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  if (proc.running()) {
    proc.terminate();
    throw std::runtime_error(what + " took longer than "
                             + std::to_string(timeout.count()) + " s\n"
                             + proc.log_tail());
  }
  auto status = proc.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed (" + proc.describe_status() + ")\n"
                             + proc.log_tail());
}

std::vector<int> leaders_of(const std::string& topic) {
  std::vector<int> leaders;
  auto problem = kafka::partition_leaders(stack().kafka, topic, leaders);
  if (!problem.empty())
    throw std::runtime_error("leaders of " + topic + ": " + problem);
  return leaders;
}

int busiest_leader(const std::string& topic) {
  std::map<int, int> led;
  for (auto node : leaders_of(topic))
    if (node >= 0) ++led[node];
  if (led.empty())
    throw std::runtime_error("no partition of " + topic + " has a leader");
  auto best = led.begin();
  for (auto it = led.begin(); it != led.end(); ++it)
    if (it->second > best->second) best = it;
  return best->first;
}

// -- node_crash ---------------------------------------------------------------

node_crash::node_crash(int node) : node_(node) {
  run_node_command("kill", node_, 60s);
  down_since_ = load_clock::now();
}

node_crash::~node_crash() {
  if (ended_) return;
  try {
    end();
  } catch (const std::exception& err) {
    note(std::string{"restarting the node failed: "} + err.what());
  }
}

void node_crash::end() {
  restart_began_ = load_clock::now();
  run_node_command("start", node_, 240s);
  up_again_ = load_clock::now();
  ended_ = true;
}

} // namespace semiasync::testing
