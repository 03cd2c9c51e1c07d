// The live page's event stream against the real stack: with `ui` on, a
// page following GET /ui/events sees one create-user request's stages in
// order and the stats that count its answer; with `ui` off, both paths are
// unknown.

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "tests/integration/pipeline.hpp"
#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// One Server-Sent Event.
struct sse_event {
  std::string name;
  json data;
};

/// A raw connection following GET /ui/events: decodes the chunked body and
/// splits it into events.
class event_reader {
public:
  explicit event_reader(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
    std::string req = "GET /ui/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Accept: text/event-stream\r\n\r\n";
    REQUIRE(::send(fd_, req.data(), req.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(req.size()));
  }

  ~event_reader() {
    ::close(fd_);
  }

  event_reader(const event_reader&) = delete;
  event_reader& operator=(const event_reader&) = delete;

  /// The response's head (status line and fields), once read.
  const std::string& head() const {
    return head_;
  }

  /// The next event, or nothing once `timeout` passed without one.
  std::optional<sse_event> next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto event = take_event()) return event;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(left)) return std::nullopt;
    }
  }

private:
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    raw_.append(buf, static_cast<size_t>(n));
    decode();
    return true;
  }

  /// Moves what arrived from `raw_` to `head_` and `body_`.
  void decode() {
    if (head_.empty()) {
      auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ = raw_.substr(0, end + 2);
      raw_.erase(0, end + 4);
    }
    for (;;) {
      auto eol = raw_.find("\r\n");
      if (eol == std::string::npos) return;
      auto size = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (raw_.size() < eol + 2 + size + 2) return;
      body_ += raw_.substr(eol + 2, size);
      raw_.erase(0, eol + 2 + size + 2);
    }
  }

  std::optional<sse_event> take_event() {
    for (;;) {
      auto end = body_.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      auto block = body_.substr(0, end);
      body_.erase(0, end + 2);
      if (block.rfind(':', 0) == 0) continue; // A comment (keepalive).
      sse_event event;
      size_t at = 0;
      while (at < block.size()) {
        auto eol = block.find('\n', at);
        if (eol == std::string::npos) eol = block.size();
        auto line = block.substr(at, eol - at);
        if (line.rfind("event: ", 0) == 0) event.name = line.substr(7);
        if (line.rfind("data: ", 0) == 0)
          event.data = json::parse(line.substr(6));
        at = eol + 1;
      }
      return event;
    }
  }

  int fd_ = -1;
  std::string raw_;
  std::string head_;
  std::string body_;
};

uint64_t answered_201(const json& stats) {
  auto routes = stats.at("answers");
  if (!routes.contains("create-user")) return 0;
  auto statuses = routes.at("create-user");
  if (!statuses.contains("201")) return 0;
  return statuses.at("201").get<uint64_t>();
}

} // namespace

TEST_CASE("a page follows a create-user request through every stage", "[ui]") {
  // The shared pipeline's worker answers this server's requests too: both
  // servers read every outcome partition (broadcast).
  auto& shared = pipeline::shared();
  auto server = start_server({"--ui=true"});
  INFO(shared.log_tails());

  SECTION("GET /ui is the page") {
    auto page = http_send(server.port, {"GET", "/ui", {}, {}});
    CHECK(page.status == 200);
    CHECK(page.header("Content-Type").value_or("")
          == "text/html; charset=utf-8");
    CHECK(page.body.find("<html") != std::string::npos);
  }

  SECTION("the stream shows the request and counts its answer") {
    event_reader page{server.port};
    auto hello = page.next(10s);
    REQUIRE(hello);
    CHECK(page.head().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(page.head().find("text/event-stream") != std::string::npos);
    CHECK(hello->name == "hello");
    CHECK(hello->data.at("routes").at(0).at("name") == "create-user");
    CHECK(hello->data.at("replyTimeoutMs").is_number());

    auto resp = http_send(server.port,
                          json_post("/users", name_body(unique_name("ui"))));
    REQUIRE(resp.status == 201);
    auto id = resp.header("X-Request-Id").value_or("");
    REQUIRE(!id.empty());

    std::vector<json> stages;
    std::optional<json> stats_after;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && !stats_after) {
      auto event = page.next(5s);
      if (!event) break;
      if (event->name == "flow" && event->data.at("id") == id)
        stages.push_back(event->data);
      // A stats event after the answer counts it (the one right after may
      // have been taken just before: it is built, then sent).
      if (event->name == "stats" && !stages.empty()
          && stages.back().at("stage") == "answered"
          && answered_201(event->data) >= 1)
        stats_after = event->data;
    }
    std::vector<std::string> names;
    for (const auto& s : stages)
      names.push_back(s.at("stage").get<std::string>());
    CHECK(names
          == std::vector<std::string>{"received", "published", "outcome",
                                      "answered"});
    REQUIRE(stages.size() == 4);
    for (const auto& s : stages) {
      CHECK(s.at("route") == "create-user");
      CHECK(s.at("at").get<int64_t>() > 0);
    }
    CHECK(stages[1].at("partition").get<int>() >= 0);
    CHECK(stages[1].at("offset").get<int64_t>() >= 0);
    CHECK(stages[2].at("type") == "UserCreated");
    CHECK(stages[2].at("partition").get<int>() >= 0);
    CHECK(stages[2].at("decidedAt").get<int64_t>() > 0);
    CHECK(stages[3].at("status") == 201);
    CHECK(stages[3].at("ms").get<double>() >= 0);
    REQUIRE(stats_after);
    CHECK(answered_201(*stats_after) >= 1);
    CHECK(stats_after->at("latency").at("le").back() == "+Inf");
  }
}

TEST_CASE("without the ui setting the page and its stream are unknown",
          "[ui]") {
  auto server = start_server();
  for (std::string path : {"/ui", "/ui/events"}) {
    CAPTURE(path);
    auto resp = http_send(server.port, {"GET", path, {}, {}});
    CHECK(resp.status == 404);
    CHECK(resp.header("Content-Type").value_or("")
          == "application/problem+json");
  }
}
