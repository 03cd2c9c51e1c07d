// Hostile HTTP on the wire (issue 9), against a real server and worker with
// short limits (`hostile_limits`): oversized heads and bodies, clients that
// trickle or stop, clients that do not read, pipelining, and more
// connections than the server serves at once. Every case asserts what the
// abusive client sees (a 4xx, or a connection closed after the configured
// timeout) and then that a normal client is still served.

#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <thread>

#include "tests/hostile/hostile_stack.hpp"
#include "tests/hostile/raw_client.hpp"
#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/support/text.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/// RESTinio checks its timers once a second, so a timeout fires up to a
/// second late; 3x the read timeout leaves room for a loaded machine.
constexpr auto earliest_cut = hostile_limits::read_timeout * 8 / 10;
constexpr auto latest_cut = hostile_limits::read_timeout * 3;

/// The connection was refused: closed without an answer, or answered with
/// one of `statuses` (a clean problem when it has a body).
void check_refused(const raw_connection& conn,
                   std::initializer_list<int> statuses) {
  INFO(conn.describe());
  if (conn.responses().empty()) {
    CHECK(conn.closed_by_server());
    return;
  }
  auto status = conn.responses().front().status;
  CHECK(std::find(statuses.begin(), statuses.end(), status) != statuses.end());
  if (!conn.responses().front().body.empty())
    check_clean_problem(conn.responses().front(), status);
}

/// The connection was closed by the server after about the read timeout,
/// having answered `answers` requests before.
void check_cut_off_after_read_timeout(const raw_connection& conn,
                                      size_t answers = 0) {
  INFO(conn.describe());
  CHECK(conn.responses().size() == answers);
  REQUIRE(conn.closed_after());
  CHECK(*conn.closed_after() >= earliest_cut);
  CHECK(*conn.closed_after() <= latest_cut);
}

/// Sends `bytes` on a fresh connection and reads one answer or the close.
std::unique_ptr<raw_connection> exchange(const std::string& bytes,
                                         milliseconds timeout = 5s) {
  auto conn = std::make_unique<raw_connection>(hostile_stack::shared().port());
  if (conn->send(bytes)) conn->read_responses(1, timeout);
  return conn;
}

/// A GET of `target` that keeps the connection open.
std::string raw_get(const std::string& target,
                    const http_headers& headers = {}) {
  return raw_request("GET", target, headers);
}

} // namespace

TEST_CASE("oversized or malformed heads are refused and the server serves on",
          "[hostile][heads]") {
  auto& stack = hostile_stack::shared();
  SECTION("a header field value of 64 KiB") {
    auto conn
      = exchange(raw_get("/healthz", {{"X-Big", std::string(65536, 'v')}}));
    check_refused(*conn, {400, 431});
  }
  SECTION("a URL of 64 KiB") {
    auto conn = exchange(raw_get("/healthz?" + std::string(65536, 'q')));
    check_refused(*conn, {400, 414, 431});
  }
  SECTION("a POST whose URL is 64 KiB") {
    auto conn = exchange(raw_request(
      "POST", "/users?" + std::string(65536, 'q'),
      {{"Content-Type", "application/json"}, {"Content-Length", "2"}}, "{}"));
    check_refused(*conn, {400, 414, 431});
  }
  SECTION("200 header fields") {
    http_headers fields;
    for (int i = 0; i < 200; ++i)
      fields.emplace_back("X-Field-" + std::to_string(i), "v");
    auto conn = exchange(raw_get("/healthz", fields));
    check_refused(*conn, {400, 431});
  }
  SECTION("fields each under the limit, 400 KiB together") {
    // The per-field limit alone would let 100 fields of 8 KiB through;
    // the parser's own cap on a whole head (80 KiB) must stop them.
    http_headers fields;
    for (int i = 0; i < 90; ++i)
      fields.emplace_back(
        "X-Field-" + std::to_string(i),
        std::string(hostile_limits::max_header_bytes / 2, 'v'));
    auto conn = exchange(raw_get("/healthz", fields));
    check_refused(*conn, {400, 431});
  }
  SECTION("a header field name of 4 KiB") {
    auto conn = exchange(raw_get("/healthz", {{std::string(4096, 'N'), "v"}}));
    check_refused(*conn, {400, 431});
  }
  SECTION("bytes that are not HTTP (a TLS ClientHello)") {
    std::string hello{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11};
    hello += std::string(500, '\x00');
    auto conn = exchange(hello);
    check_refused(*conn, {400});
  }
  SECTION("a request line with a control character in the method") {
    auto conn = exchange("G\x01T /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    check_refused(*conn, {400, 501});
  }
  SECTION("a header line without a colon") {
    auto conn
      = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n");
    check_refused(*conn, {400});
  }
  SECTION("a header value under the limit is fine") {
    // The positive control: the limit cuts above, not at, normal sizes.
    auto conn = exchange(raw_get(
      "/healthz",
      {{"X-Big", std::string(hostile_limits::max_header_bytes / 2, 'v')}}));
    INFO(conn->describe());
    REQUIRE(conn->responses().size() == 1);
    CHECK(conn->responses().front().status == 200);
  }
  stack.check_still_serving();
}

TEST_CASE("oversized and lying bodies are refused and the server serves on",
          "[hostile][bodies]") {
  auto& stack = hostile_stack::shared();
  SECTION("a body of 100 KiB is a 413") {
    auto body
      = R"({"name": "x", "pad": ")" + std::string(100 * 1024, 'p') + "\"}";
    auto conn = exchange(raw_post(body));
    INFO(conn->describe());
    REQUIRE(conn->responses().size() == 1);
    check_clean_problem(conn->responses().front(), 413);
  }
  SECTION("a body one byte over the limit is a 413, at the limit it is read") {
    auto fill = [](size_t size) {
      std::string head
        = R"({"name": ")" + unique_name("at-limit") + R"(", "pad": ")";
      return head + std::string(size - head.size() - 2, 'p') + "\"}";
    };
    auto over = exchange(raw_post(fill(hostile_limits::max_body_bytes + 1)));
    INFO(over->describe());
    REQUIRE(over->responses().size() == 1);
    check_clean_problem(over->responses().front(), 413);
    auto at = fill(hostile_limits::max_body_bytes);
    auto name = nlohmann::json::parse(at)["name"].get<std::string>();
    auto ok = exchange(raw_post(at));
    INFO(ok->describe());
    REQUIRE(ok->responses().size() == 1);
    check_created(ok->responses().front(), name);
  }
  SECTION("a body of 2 MiB is a 413 or a closed connection") {
    auto body = std::string(2 * 1024 * 1024, ' ');
    auto conn = exchange(raw_post(body));
    check_refused(*conn, {413});
  }
  SECTION("a chunked body of 100 KiB is a 413") {
    std::string chunks;
    for (int i = 0; i < 100; ++i)
      chunks += "400\r\n" + std::string(1024, ' ') + "\r\n";
    chunks += "0\r\n\r\n";
    auto conn = exchange(raw_request(
      "POST", "/users",
      {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}},
      chunks));
    INFO(conn->describe());
    REQUIRE(conn->responses().size() == 1);
    check_clean_problem(conn->responses().front(), 413);
  }
  SECTION("a chunked body of 2 MiB is a 413 or a closed connection") {
    std::string chunks;
    for (int i = 0; i < 32; ++i)
      chunks += "10000\r\n" + std::string(65536, ' ') + "\r\n";
    chunks += "0\r\n\r\n";
    auto conn = exchange(raw_request(
      "POST", "/users",
      {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}},
      chunks));
    check_refused(*conn, {413});
  }
  SECTION("a Content-Length of 2^64 is refused") {
    auto conn
      = exchange(raw_request("POST", "/users",
                             {{"Content-Type", "application/json"},
                              {"Content-Length", "18446744073709551616"}},
                             "{}"));
    check_refused(*conn, {400, 413});
  }
  SECTION("two different Content-Lengths are refused") {
    auto conn = exchange(raw_request("POST", "/users",
                                     {{"Content-Type", "application/json"},
                                      {"Content-Length", "2"},
                                      {"Content-Length", "20"}},
                                     "{}"));
    check_refused(*conn, {400});
  }
  SECTION("a Content-Length that promises more than comes is cut off") {
    raw_connection conn{stack.port()};
    REQUIRE(conn.send(raw_request(
      "POST", "/users",
      {{"Content-Type", "application/json"}, {"Content-Length", "10"}},
      "{\"nam")));
    conn.read_until_closed(latest_cut + 2s);
    check_cut_off_after_read_timeout(conn);
  }
  stack.check_still_serving();
}

TEST_CASE(
  "slow clients are cut off after the read timeout while others are served",
  "[hostile][slow]") {
  auto& stack = hostile_stack::shared();
  // The slow client runs on its own thread (`behave` sends what it sends,
  // without assertions: Catch's are not thread-safe) while this one posts
  // as a normal client, whose answer must not wait for the slow one.
  // Returns the slow connection once the server closed it.
  auto beside_slow = [&](auto behave) {
    auto slow = std::async(std::launch::async, [&stack, behave] {
      auto conn = std::make_unique<raw_connection>(stack.port());
      behave(*conn);
      conn->read_until_closed(latest_cut + 2s);
      return conn;
    });
    std::this_thread::sleep_for(300ms);
    auto name = unique_name("beside-slow");
    auto start = clock_type::now();
    auto resp = stack.create_user(name);
    auto took
      = std::chrono::duration_cast<milliseconds>(clock_type::now() - start);
    check_created(resp, name);
    CHECK(took < 2s);
    auto conn = slow.get();
    // Answered while the slow client was still connected.
    INFO(conn->describe());
    CHECK(300ms + took < conn->closed_after().value_or(milliseconds::max()));
    return conn;
  };
  SECTION("a body that trickles in, 1 byte every 300 ms") {
    auto body
      = std::string{R"({"name": "slow-body-)"} + std::string(28, 'x') + "\"}";
    REQUIRE(body.size() == 50);
    auto conn = beside_slow([body](raw_connection& slow) {
      if (slow.send(raw_request(
            "POST", "/users",
            {{"Content-Type", "application/json"}, {"Content-Length", "50"}})))
        slow.send_paced(body, 1, 300ms);
    });
    check_cut_off_after_read_timeout(*conn);
  }
  SECTION("a head that trickles in, 1 byte every 300 ms, never finished") {
    auto head
      = raw_request("GET", "/healthz", {{"X-Slow", std::string(200, 's')}});
    auto conn = beside_slow([head](raw_connection& slow) {
      slow.send_paced(head, 1, 300ms);
    });
    check_cut_off_after_read_timeout(*conn);
  }
  SECTION("a head that stops in the middle") {
    auto conn = beside_slow([](raw_connection& slow) {
      slow.send("POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nConte");
    });
    check_cut_off_after_read_timeout(*conn);
  }
  SECTION("a connection that never sends a byte") {
    auto conn = beside_slow([](raw_connection&) {});
    check_cut_off_after_read_timeout(*conn);
  }
  SECTION("a keep-alive connection idle after its first answer") {
    auto conn = beside_slow([](raw_connection& slow) {
      if (slow.send(raw_get("/healthz"))) slow.read_responses(1, 2s);
    });
    check_cut_off_after_read_timeout(*conn, 1);
  }
  stack.check_still_serving();
}

TEST_CASE("a client that does not read its answers is cut off",
          "[hostile][slow]") {
  auto& stack = hostile_stack::shared();
  // A small receive window and thousands of pipelined requests whose
  // answers are far more than the socket buffers hold (up to 4 MiB on
  // each side): the server's write stalls and the write timeout must end
  // it. The requests read a user with a long name, answered from an actor
  // rather than inline in the handler.
  auto tag = unique_name("big-answer");
  auto name = tag + repeat("\xF0\x9F\x98\x80", 255 - tag.size());
  auto uuid = check_created(stack.create_user(name), name);
  constexpr size_t requests = 8000; // about 8 MiB of answers
  raw_connection conn{stack.port(), 5s, 4096};
  std::string burst;
  for (size_t i = 0; i < requests; ++i)
    burst += raw_get("/users/" + uuid);
  conn.send(burst, 2s); // stalls once the server stops reading
  auto start = clock_type::now();
  auto hung_up = conn.wait_for_hang_up(20s);
  auto waited = clock_type::now() - start;
  conn.read_until_closed(5s);
  INFO(
    conn.describe() << "; hung up after "
                    << std::chrono::duration_cast<milliseconds>(waited).count()
                    << " ms");
  CHECK(hung_up);
  CHECK(conn.closed_by_server());
  CHECK(conn.responses().size() < requests);
  stack.check_still_serving();
}

TEST_CASE("pipelined requests are answered in order", "[hostile][pipelining]") {
  auto& stack = hostile_stack::shared();
  SECTION("100 GET /healthz in one write") {
    std::string burst;
    for (int i = 0; i < 100; ++i)
      burst += raw_get("/healthz");
    raw_connection conn{stack.port()};
    REQUIRE(conn.send(burst));
    conn.read_responses(100, 15s);
    INFO(conn.describe());
    REQUIRE(conn.responses().size() == 100);
    for (auto& resp : conn.responses())
      CHECK(resp.status == 200);
  }
  SECTION("100 interleaved GETs whose answers name their request") {
    // GET /requests/<id> of an unknown id answers 404 naming the id, so the
    // order of the answers shows.
    std::vector<std::string> ids;
    std::string burst;
    for (int i = 0; i < 100; ++i) {
      if (i % 2 == 0) {
        burst += raw_get("/healthz");
      } else {
        ids.push_back(random_uuid());
        burst += raw_get("/requests/" + ids.back());
      }
    }
    raw_connection conn{stack.port()};
    REQUIRE(conn.send(burst));
    conn.read_responses(100, 15s);
    INFO(conn.describe());
    REQUIRE(conn.responses().size() == 100);
    for (size_t i = 0; i < 100; ++i) {
      auto& resp = conn.responses()[i];
      INFO("answer " << i << ": " << resp.status << " " << resp.body);
      if (i % 2 == 0) {
        CHECK(resp.status == 200);
      } else {
        CHECK(resp.status == 404);
        auto doc = json_body(resp);
        CHECK(doc.value("requestId", "") == ids[i / 2]);
      }
    }
  }
  SECTION("50 POSTs with distinct names in one write") {
    std::vector<std::string> names;
    std::string burst;
    for (int i = 0; i < 50; ++i) {
      names.push_back(unique_name("pipelined"));
      burst += raw_post(name_body(names.back()));
    }
    raw_connection conn{stack.port()};
    REQUIRE(conn.send(burst));
    conn.read_responses(50, 60s);
    INFO(conn.describe());
    REQUIRE(conn.responses().size() == 50);
    for (size_t i = 0; i < 50; ++i) {
      auto uuid = check_created(conn.responses()[i], names[i]);
      auto row = find_user(names[i]);
      REQUIRE(row);
      CHECK(row->user.value == uuid);
      CHECK(row->name.value == names[i]);
    }
  }
  stack.check_still_serving();
}

TEST_CASE("connections beyond the limit wait and idle ones are cut off",
          "[hostile][connections]") {
  auto& stack = hostile_stack::shared();
  // Twice as many idle connections as the server serves at once: the
  // kernel queues those it has not accepted yet.
  std::vector<std::unique_ptr<raw_connection>> flood;
  for (size_t i = 0; i < 2 * hostile_limits::max_connections; ++i)
    flood.push_back(std::make_unique<raw_connection>(stack.port()));
  SECTION("a client arriving during the flood is served once idle ones go") {
    // It queues behind the flood; the read timeout frees the slots.
    auto name = unique_name("in-flood");
    auto resp
      = try_http_send(stack.port(), json_post("/users", name_body(name)), 15s);
    INFO(stack.log_tails());
    REQUIRE(resp);
    check_created(*resp, name);
    REQUIRE(stack.server().running());
  }
  SECTION("every idle connection is closed by the server in time") {
    // Accepted in rounds of `max_connections`, each cut off after the read
    // timeout: two rounds, each at most `latest_cut`.
    auto deadline = clock_type::now() + latest_cut * 2 + 2s;
    size_t closed = 0;
    for (auto& conn : flood) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                           - clock_type::now());
      if (conn->read_until_closed(std::max(left, milliseconds{1}))) ++closed;
    }
    CHECK(closed == flood.size());
    REQUIRE(stack.server().running());
  }
  flood.clear();
  stack.check_still_serving();
}
