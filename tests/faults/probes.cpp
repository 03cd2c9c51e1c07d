#include "tests/faults/probes.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/integration/http_client.hpp"

namespace semiasync::testing {

std::optional<double> sample_value(const std::string& body,
                                   const std::string& name) {
  std::istringstream lines{body};
  std::string line;
  while (std::getline(lines, line)) {
    // "name value", "name{labels} value", either with a timestamp after;
    // comments start with '#', and a longer name sharing the prefix must
    // not match.
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    auto rest = name.size();
    if (rest < line.size() && line[rest] == '{') {
      rest = line.find('}', rest);
      if (rest == std::string::npos) continue;
      ++rest;
    }
    if (rest >= line.size() || line[rest] != ' ') continue;
    try {
      return std::stod(line.substr(rest + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string scrape_metrics(uint16_t port) {
  auto resp = http_send(port, {"GET", "/metrics", {}, {}});
  if (resp.status != 200)
    throw std::runtime_error("GET /metrics answered "
                             + std::to_string(resp.status) + ": " + resp.body);
  return resp.body;
}

std::optional<long> resident_kib(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line)) {
    // "VmRSS:	   12345 kB"
    if (line.rfind("VmRSS:", 0) != 0) continue;
    try {
      return std::stol(line.substr(6));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

} // namespace semiasync::testing
