#include "tests/scale/load.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <sstream>
#include <thread>

#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

namespace {

using clock_type = std::chrono::steady_clock;

std::chrono::milliseconds millis(clock_type::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

} // namespace

size_t load_report::count(int status) const {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(),
                                           [status](const request_result& r) {
                                             return r.status == status;
                                           }));
}

double load_report::per_second() const {
  auto seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? static_cast<double>(results.size() - count(0)) / seconds
                     : 0.0;
}

std::chrono::milliseconds load_report::latency_quantile(double q) const {
  if (results.empty()) return {};
  std::vector<std::chrono::milliseconds> all;
  for (auto& r : results)
    all.push_back(r.latency);
  std::sort(all.begin(), all.end());
  auto i = static_cast<size_t>(q * static_cast<double>(all.size() - 1));
  return all[i];
}

std::string load_report::summary() const {
  std::map<int, size_t> by_status;
  for (auto& r : results)
    ++by_status[r.status];
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << results.size() << " requests in "
      << std::chrono::duration<double>(elapsed).count() << " s ("
      << per_second() << "/s):";
  for (auto& [status, n] : by_status)
    out << " "
        << (status == 0 ? std::string{"no answer"} : std::to_string(status))
        << " x " << n;
  out << ", latency p50 " << latency_quantile(0.5).count() << " ms, p99 "
      << latency_quantile(0.99).count() << " ms, max "
      << latency_quantile(1.0).count() << " ms";
  return out.str();
}

load_report run_load(const load_plan& plan) {
  load_report report;
  report.results.resize(plan.requests);
  for (size_t i = 0; i < plan.requests; ++i) {
    report.results[i].name = unique_name(plan.label);
    report.results[i].port = plan.ports[i % plan.ports.size()];
  }
  std::atomic<size_t> next{0};
  auto start = clock_type::now();
  auto spacing = plan.rate > 0
                   ? std::chrono::duration_cast<clock_type::duration>(
                     std::chrono::duration<double>(1.0 / plan.rate))
                   : clock_type::duration{0};
  auto work = [&] {
    for (;;) {
      auto i = next.fetch_add(1);
      if (i >= plan.requests) return;
      // Paced: request i is due at start + i * spacing.
      std::this_thread::sleep_until(start + spacing * static_cast<long>(i));
      auto& r = report.results[i];
      auto sent = clock_type::now();
      r.started = millis(sent - start);
      auto resp = try_http_send(r.port, json_post("/users", name_body(r.name)),
                                plan.client_timeout);
      r.latency = millis(clock_type::now() - sent);
      r.status = resp ? resp->status : 0;
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::max<size_t>(1, plan.threads); ++t)
    threads.emplace_back(work);
  for (auto& t : threads)
    t.join();
  report.elapsed = millis(clock_type::now() - start);
  return report;
}

} // namespace semiasync::testing
