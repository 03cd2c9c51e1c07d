#include "tests/cluster/cluster_metadata.hpp"

#include "kafka/admin.hpp"

#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>

#include "tests/faults/service_control.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

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

int coordinator_of(const std::string& group) {
  int node = -1;
  auto problem = kafka::group_coordinator(stack().kafka, group, node);
  if (!problem.empty())
    throw std::runtime_error("coordinator of " + group + ": " + problem);
  return node;
}

int active_controller() {
  auto text = run_stack_script({"controller"}, std::chrono::seconds{60});
  // The script's last line is the ID; any line before it is a note.
  std::istringstream lines{text};
  std::string line;
  for (std::string each; std::getline(lines, each);)
    if (!each.empty()) line = each;
  try {
    return std::stoi(line);
  } catch (const std::exception&) {
    throw std::runtime_error("scripts/stack controller printed no node ID:\n"
                             + text);
  }
}

std::string describe(const std::vector<int>& leaders) {
  std::string text;
  for (size_t p = 0; p < leaders.size(); ++p)
    text += (text.empty() ? "p" : " p") + std::to_string(p) + ":"
            + std::to_string(leaders[p]);
  return text;
}

} // namespace semiasync::testing
