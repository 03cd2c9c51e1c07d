#include "tests/faults/summary.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "tests/faults/scale.hpp"

#ifndef SEMIASYNC_FAULT_RESULTS_FILE
#  error "SEMIASYNC_FAULT_RESULTS_FILE must name the results file"
#endif

namespace semiasync::testing {

namespace {

/// When this test process started (first use, early enough for notes).
const load_clock::time_point process_start = load_clock::now();

/// Notes come from the test thread and from helpers alike.
std::mutex output_mutex;

std::string utc_now() {
  auto now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

} // namespace

void note(const std::string& text) {
  auto elapsed
    = std::chrono::duration<double>(load_clock::now() - process_start);
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "[fault +%.1fs] ", elapsed.count());
  std::lock_guard<std::mutex> guard{output_mutex};
  std::cout << stamp << text << std::endl;
}

long long ms_of(std::chrono::milliseconds value) {
  return static_cast<long long>(value.count());
}

summary::summary(std::string scenario) : scenario_(std::move(scenario)) {
  // nop
}

summary& summary::add(const std::string& key, long long value) {
  return add(key, std::to_string(value));
}

summary& summary::add(const std::string& key, const std::string& value) {
  figures_.emplace_back(key, value);
  return *this;
}

summary& summary::add(const load_tally& counts) {
  auto n = [](size_t x) {
    return static_cast<long long>(x);
  };
  add("sent", n(counts.sent));
  add("201", n(counts.created));
  add("409", n(counts.conflict));
  add("503", n(counts.unavailable));
  add("504", n(counts.timed_out));
  add("other_status", n(counts.other_status));
  add("hangs", n(counts.hangs));
  add("refused", n(counts.refused));
  return add("dropped", n(counts.dropped));
}

std::string summary::text() const {
  std::string result = "fault " + scenario_ + ":";
  for (auto& [key, value] : figures_)
    result += " " + key + "=" + value;
  return result;
}

std::string summary::publish() const {
  auto line = text();
  {
    std::lock_guard<std::mutex> guard{output_mutex};
    std::cout << line << std::endl;
  }
  std::filesystem::path file{SEMIASYNC_FAULT_RESULTS_FILE};
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out{file, std::ios::app};
  out << utc_now() << " " << (long_run() ? "long" : "normal") << " " << line
      << "\n";
  return line;
}

} // namespace semiasync::testing
