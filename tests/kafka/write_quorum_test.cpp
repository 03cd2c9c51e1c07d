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

TEST_CASE("partitions without a leader, or led by a silent node, take no "
          "write") {
  std::vector<partition_replicas> layout{{0, -1, {1, 2}}, {1, 3, {1, 2, 3}}};
  CHECK(unwritable_reason("t", layout, {1, 2}, 2));
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
  write_gate gate;
  CHECK_FALSE(gate.refusal("a"));
  CHECK_FALSE(gate.any_refusal());
  gate.set("a", std::string{"a: too few replicas"});
  CHECK(gate.refusal("a") == "a: too few replicas");
  CHECK_FALSE(gate.refusal("b"));
  CHECK(gate.any_refusal() == "a: too few replicas");
  gate.set("b", std::nullopt);
  CHECK(gate.refusal("a"));
  gate.set("a", std::nullopt);
  CHECK_FALSE(gate.refusal("a"));
  CHECK_FALSE(gate.any_refusal());
}

TEST_CASE("accepts_connection tells a listening port from a closed one") {
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
  CHECK(accepts_connection("127.0.0.1", port, 300ms));
  ::close(fd);
  // Closed now: nothing listens (the kernel refuses at once).
  CHECK_FALSE(accepts_connection("127.0.0.1", port, 300ms));
  CHECK_FALSE(accepts_connection("no-such-host.invalid", 9093, 300ms));
}
