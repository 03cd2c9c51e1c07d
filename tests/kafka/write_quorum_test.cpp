// When a topic can take an acks=all write, by layout: the decision behind
// the server's fast 503 while a cluster has lost too many nodes.

#include "kafka/write_check.hpp"
#include "kafka/write_gate.hpp"
#include "kafka/write_quorum.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace semiasync::kafka;
using namespace std::chrono_literals;

namespace {

/// Six partitions over three nodes, every replica in sync, as a healthy
/// cluster with replication factor 3 has them.
std::vector<partition_replicas> healthy_layout() {
  std::vector<partition_replicas> result;
  for (int32_t p = 0; p < 6; ++p)
    result.push_back({p, p % 3 + 1, {1, 2, 3}});
  return result;
}

} // namespace

TEST_CASE("a healthy cluster takes writes") {
  CHECK_FALSE(unwritable_reason("t", healthy_layout(), {1, 2, 3}, 2));
}

TEST_CASE("one node down: the other two still reach min.insync.replicas") {
  // Before the dead node is fenced, it is still listed in every ISR.
  CHECK_FALSE(unwritable_reason("t", healthy_layout(), {1, 3}, 2));
}

TEST_CASE("two of three down: the survivor's stale ISRs do not count the "
          "dead nodes") {
  // The quorum is lost with them: the survivor cannot shrink the ISRs nor
  // move leaderships, so the metadata still looks whole.
  auto reason = unwritable_reason("orders", healthy_layout(), {1}, 2);
  REQUIRE(reason);
  CHECK(reason->find("orders") != std::string::npos);
  CHECK(reason->find("min.insync.replicas") != std::string::npos);
  CHECK(reason->find("the best has 1") != std::string::npos);
}

TEST_CASE("one writable partition is enough: the topic takes writes") {
  std::vector<partition_replicas> layout{{0, 2, {2, 3}}, {1, 1, {1, 3}}};
  CHECK_FALSE(unwritable_reason("t", layout, {1, 3}, 2));
  CHECK(unwritable_reason("t", layout, {1}, 2));
}

TEST_CASE("a partition led by a silent node takes no write") {
  std::vector<partition_replicas> layout{{0, 3, {1, 2, 3}}, {1, 3, {3, 1}}};
  CHECK(unwritable_reason("t", layout, {1, 2}, 2));
}

TEST_CASE("a partition without a leader is an election: no refusal") {
  // The producer waits for its end, which may come within the request's
  // time; the quorum-loss signature is dead nodes still listed, not -1.
  std::vector<partition_replicas> layout{{0, -1, {1}}, {1, 1, {1, 2, 3}}};
  CHECK_FALSE(unwritable_reason("t", layout, {1}, 2));
}

TEST_CASE("a single broker with min.insync.replicas 1 takes writes") {
  std::vector<partition_replicas> layout{{0, 1, {1}}, {1, 1, {1}}};
  CHECK_FALSE(unwritable_reason("t", layout, {1}, 1));
  CHECK(unwritable_reason("t", layout, {}, 1));
}

TEST_CASE("a topic without partitions takes no write") {
  CHECK(unwritable_reason("t", {}, {1, 2, 3}, 2));
}

TEST_CASE("the write gate refuses only closed topics, and reopens") {
  write_gate gate{10s};
  CHECK_FALSE(gate.refusal("a"));
  CHECK_FALSE(gate.refusal_everywhere());
  gate.set("a", std::string{"a: too few replicas"});
  CHECK(gate.refusal("a") == "a: too few replicas");
  CHECK_FALSE(gate.refusal("b"));
  CHECK(gate.refusal_everywhere() == "a: too few replicas");
  // One topic still writable: the instance stays ready.
  gate.set("b", std::nullopt);
  CHECK(gate.refusal("a"));
  CHECK_FALSE(gate.refusal_everywhere());
  gate.set("a", std::nullopt);
  CHECK_FALSE(gate.refusal("a"));
  CHECK_FALSE(gate.refusal_everywhere());
}

TEST_CASE("the write gate forgets findings nobody renewed") {
  auto now = write_gate::clock_type::time_point{};
  write_gate gate{5s, [&now] {
                    return now;
                  }};
  gate.set("a", std::string{"a: too few replicas"});
  now += 5s;
  CHECK(gate.refusal("a"));
  CHECK(gate.refusal_everywhere());
  now += 1ms;
  CHECK_FALSE(gate.refusal("a"));
  CHECK_FALSE(gate.refusal_everywhere());
  gate.set("a", std::string{"a: still too few"});
  CHECK(gate.refusal("a") == "a: still too few");
}

TEST_CASE("try_connect tells a listening port from a closed one") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t size = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
  int port = ntohs(addr.sin_port);
  CHECK(try_connect("127.0.0.1", port, 300ms) == connect_result::accepted);
  ::close(fd);
  // Closed now: nothing listens (the kernel refuses at once).
  CHECK(try_connect("127.0.0.1", port, 300ms) == connect_result::refused);
  // An address that does not resolve (here without asking a resolver: a
  // numeric host with an impossible port): nothing can be said.
  CHECK(try_connect("127.0.0.1", -1, 300ms) == connect_result::unknown);
}
