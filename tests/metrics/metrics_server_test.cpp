// The worker's metrics endpoint over real loopback HTTP, on a port the
// kernel picked: the registry's text, health, and the answers to the rest.

#include "domain/error.hpp"
#include "http/metrics_server.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace semiasync;

namespace {

/// A port that was free a moment ago (bound to port 0, then released).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Sends one HTTP/1.0-style request and returns the whole answer.
std::string exchange(uint16_t port, const std::string& method,
                     const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto request = method + " " + path
                 + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                   "Content-Length: 0\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0)
          == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

std::string body_of(const std::string& answer) {
  auto at = answer.find("\r\n\r\n");
  return at == std::string::npos ? std::string{} : answer.substr(at + 4);
}

/// A local endpoint on a free port, with the limits a worker would use.
http::metrics_server_settings local_settings() {
  return {.address = "127.0.0.1",
          .port = free_port(),
          .max_connections = 64,
          .read_timeout = std::chrono::seconds{10},
          .write_timeout = std::chrono::seconds{10},
          .max_header_bytes = 8192};
}

} // namespace

TEST_CASE("the metrics endpoint serves the registry, health and nothing else") {
  metrics::registry reg;
  auto& hits = reg.get_counter("semiasync_test_hits_total", "Hits.");
  auto cfg = local_settings();
  auto server = http::metrics_server::start(cfg, reg);
  REQUIRE(server);

  hits.inc(3);
  auto metrics = exchange(cfg.port, "GET", "/metrics");
  CHECK(metrics.rfind("HTTP/1.1 200", 0) == 0);
  CHECK_THAT(metrics, Catch::Contains("text/plain; version=0.0.4"));
  CHECK(body_of(metrics) == reg.render());
  CHECK_THAT(body_of(metrics),
             Catch::Contains("semiasync_test_hits_total 3\n"));

  auto health = exchange(cfg.port, "GET", "/healthz");
  CHECK(health.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(body_of(health) == R"({"status":"ok"})");

  auto post = exchange(cfg.port, "POST", "/metrics");
  CHECK(post.rfind("HTTP/1.1 405", 0) == 0);
  CHECK_THAT(post, Catch::Contains("Allow: GET"));

  auto other = exchange(cfg.port, "GET", "/users");
  CHECK(other.rfind("HTTP/1.1 404", 0) == 0);

  (*server)->stop();
  (*server)->stop(); // idempotent
}

TEST_CASE("a metrics endpoint on a taken port fails to start, saying where") {
  metrics::registry reg;
  auto cfg = local_settings();
  auto first = http::metrics_server::start(cfg, reg);
  REQUIRE(first);
  auto second = http::metrics_server::start(cfg, reg);
  REQUIRE_FALSE(second);
  CHECK(code_of(second.error()) == error_code::listen_failed);
  CHECK_THAT(detail_of(second.error()),
             Catch::Contains("127.0.0.1:" + std::to_string(cfg.port)));
}
