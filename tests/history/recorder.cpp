#include "tests/history/recorder.hpp"

namespace semiasync::testing::history {

recorder::recorder(uint64_t seed, std::string name_prefix)
  : start_(clock_type::now()) {
  log_.seed = seed;
  log_.name_prefix = std::move(name_prefix);
}

int64_t recorder::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                               - start_)
    .count();
}

size_t recorder::add(exchange x) {
  std::lock_guard<std::mutex> guard{mtx_};
  x.index = log_.exchanges.size();
  log_.exchanges.push_back(std::move(x));
  return log_.exchanges.size() - 1;
}

void recorder::add(fault_window f) {
  std::lock_guard<std::mutex> guard{mtx_};
  log_.faults.push_back(std::move(f));
}

void recorder::add(health_sample s) {
  std::lock_guard<std::mutex> guard{mtx_};
  log_.health.push_back(std::move(s));
}

size_t recorder::exchange_count() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return log_.exchanges.size();
}

run_history recorder::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return log_;
}

} // namespace semiasync::testing::history
