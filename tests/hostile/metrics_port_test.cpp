// The worker's metrics port under abuse (issue 14, item 2): a real worker
// process with `--worker-metrics-port`, a client that announces a 4 GB body
// and streams hundreds of MiB into `POST /metrics`, and the answers to the
// methods the port does not serve. Before the fix the worker buffered the
// whole body (RSS 12 -> 408 MiB for 400 MiB); now the port has the main
// port's limits and a body limit of its own, so the abusive connection is
// cut as soon as its head is read.

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/hostile/hostile_stack.hpp"
#include "tests/hostile/raw_client.hpp"
#include "tests/integration/checks.hpp"
#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// The resident set of `pid` in KiB (VmRSS of /proc/<pid>/status).
long rss_kib(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  FAIL("no VmRSS for pid " << pid);
  return 0;
}

/// A worker with a metrics port, on a request topic and group of its own
/// so it takes no partitions from other tests' workers.
class metrics_worker {
public:
  metrics_worker() : base_(unique_name("metrics-port")), port_(free_port()) {
    create_topic(base_ + "-requests", 1);
    wait_until_readable(base_ + "-requests");
    process_ = start_worker({"--worker-metrics-port=" + std::to_string(port_),
                             "--worker-metrics-address=127.0.0.1",
                             "--request-topic=" + base_ + "-requests",
                             "--outcome-topic=" + base_ + "-outcomes",
                             "--worker-group=" + base_ + "-workers"});
    auto deadline = clock_type::now() + 20s;
    while (clock_type::now() < deadline) {
      auto resp = try_http_send(port_, {"GET", "/healthz", {}, {}}, 2s);
      if (resp && resp->status == 200) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL("metrics port never answered /healthz\n" << process_->log_tail());
  }

  ~metrics_worker() {
    process_->terminate();
    delete_topic(base_ + "-requests");
    delete_topic(base_ + "-outcomes");
  }

  uint16_t port() const {
    return port_;
  }

  child_process& process() {
    return *process_;
  }

private:
  std::string base_;
  uint16_t port_;
  std::unique_ptr<child_process> process_;
};

/// Sends `request` with `Connection: close` on a fresh connection and
/// returns every byte the server sent before closing (a HEAD answer has a
/// Content-Length but no body, which a response parser would wait for).
std::string raw_exchange(uint16_t port, const std::string& request) {
  raw_connection conn{port};
  REQUIRE(conn.send(request));
  conn.read_until_closed(5s);
  INFO(conn.describe());
  REQUIRE(conn.closed_by_server());
  return conn.pending_bytes();
}

/// The value of header `name` in a raw response head, or "".
std::string header_in(const std::string& head, const std::string& name) {
  auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  auto start = at + name.size() + 4;
  return head.substr(start, head.find("\r\n", start) - start);
}

} // namespace

TEST_CASE("a huge POST to the worker's metrics port is cut off without "
          "growing the worker") {
  metrics_worker worker;
  // The worker is still starting (joining its group, connecting to the
  // database, librdkafka's threads) when its port first answers: take the
  // baseline once its RSS holds still, or after a bounded wait.
  auto before = rss_kib(worker.process().pid());
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(100ms);
    auto now = rss_kib(worker.process().pid());
    if (now == before && i >= 5) break;
    before = now;
  }

  raw_connection conn{worker.port()};
  REQUIRE(conn.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "Content-Length: 4000000000\r\n\r\n"));
  // 400 MiB, as the report's probe streamed, unless the server hangs up
  // first (which it must, long before).
  const std::string chunk(1 << 20, 'x');
  size_t sent_mib = 0;
  auto started = clock_type::now();
  while (sent_mib < 400 && conn.send(chunk, 10s))
    ++sent_mib;
  auto streamed_for = clock_type::now() - started;
  auto during = rss_kib(worker.process().pid());
  conn.read_until_closed(2s);
  auto after = rss_kib(worker.process().pid());
  WARN("worker RSS before "
       << before << " KiB, with the abusive connection " << during
       << " KiB, after " << after << " KiB; the server took " << sent_mib
       << " MiB in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(streamed_for)
            .count()
       << " ms before hanging up");
  INFO(conn.describe());
  CHECK(conn.closed_by_server());
  // The kernel's socket buffers take a few MiB before the server reads.
  CHECK(sent_mib < 32);
  // The defect buffered the whole body (over 300 MiB); the bound leaves
  // room for start-up settling and the sanitizer build's quarantine.
  CHECK(during - before < 64 * 1024);
  CHECK(after - before < 64 * 1024);
  REQUIRE(worker.process().running());

  // Still serving.
  auto health = http_send(worker.port(), {"GET", "/healthz", {}, {}});
  CHECK(health.status == 200);
}

TEST_CASE("the worker's metrics port answers only GET and HEAD, with "
          "problems for the rest") {
  metrics_worker worker;

  SECTION("POST is a 405 problem naming GET and HEAD") {
    auto resp = http_send(worker.port(), {"POST", "/metrics", {}, {}});
    check_problem(resp, 405);
    auto allow = resp.header("Allow");
    REQUIRE(allow);
    CHECK(*allow == "GET, HEAD");
  }
  SECTION("DELETE on /healthz is a 405 problem too") {
    auto resp = http_send(worker.port(), {"DELETE", "/healthz", {}, {}});
    check_problem(resp, 405);
    CHECK(resp.header("Allow") == "GET, HEAD");
  }
  SECTION("an unknown path is a 404 problem") {
    auto resp = http_send(worker.port(), {"GET", "/users", {}, {}});
    check_problem(resp, 404);
  }
  SECTION("a trailing slash names the same resource, as on the main port") {
    // Issue 15, point 3: both ports route the same way. Before, the metrics
    // port answered 404 for these.
    for (const std::string path : {"/healthz/", "/metrics/"}) {
      INFO(path);
      CHECK(http_send(worker.port(), {"GET", path, {}, {}}).status == 200);
    }
    check_problem(http_send(worker.port(), {"GET", "/users/", {}, {}}), 404);
  }
  SECTION("HEAD answers as GET does, without the body") {
    for (const std::string path : {"/healthz", "/metrics"}) {
      INFO(path);
      auto get = http_send(worker.port(), {"GET", path, {}, {}});
      REQUIRE(get.status == 200);
      auto head
        = raw_exchange(worker.port(), "HEAD " + path
                                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "Connection: close\r\n\r\n");
      INFO(head);
      CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
      auto end = head.find("\r\n\r\n");
      REQUIRE(end != std::string::npos);
      CHECK(end + 4 == head.size()); // no body
      CHECK(header_in(head, "Content-Type") == *get.header("Content-Type"));
      // The metrics text changes between two scrapes; its length is what
      // GET would send at that moment, so only its presence is stable.
      CHECK_FALSE(header_in(head, "Content-Length").empty());
    }
  }
}
