#include "tests/history/health_monitor.hpp"

#include "tests/integration/http_client.hpp"

namespace semiasync::testing::history {

namespace {

using namespace std::chrono_literals;

/// A process that takes longer than this to say it is up is not up.
constexpr auto probe_timeout = 1500ms;

} // namespace

health_monitor::health_monitor(const deployment& target, recorder& log,
                               std::chrono::milliseconds interval)
  : target_(target), log_(log), interval_(interval) {
  thread_ = std::thread{[this] {
    while (!stopped_.load()) {
      probe_all();
      auto until = std::chrono::steady_clock::now() + interval_;
      while (!stopped_.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(50ms);
    }
  }};
}

health_monitor::~health_monitor() {
  stop();
}

void health_monitor::stop() {
  stopped_ = true;
  if (thread_.joinable()) thread_.join();
}

void health_monitor::probe_all() {
  for (int i = 0; i < target_.servers(); ++i)
    probe("server-" + std::to_string(i), target_.server_port(i));
  for (int i = 0; i < target_.workers(); ++i)
    probe("worker-" + std::to_string(i), target_.worker_port(i));
}

void health_monitor::probe(const std::string& target, uint16_t port) {
  health_sample s;
  s.target = target;
  s.at_ms = log_.now_ms();
  try {
    auto resp = http_send(port, {"GET", "/healthz", {}, {}}, probe_timeout);
    s.ok = resp.status == 200;
    if (!s.ok) s.detail = "status " + std::to_string(resp.status);
  } catch (const http_error& err) {
    s.detail = err.what();
  }
  log_.add(std::move(s));
}

} // namespace semiasync::testing::history
