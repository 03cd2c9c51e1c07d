// The live page's event hub without a server: bounded queues, dropped
// frames counted, one write at a time, slots freed on disconnect.

#include "http/flow_hub.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace semiasync;
using semiasync::http::flow_hub;

namespace {

metrics::flow_event received(const std::string& id) {
  metrics::flow_event event;
  event.stage = metrics::flow_stage::received;
  event.id = id;
  event.route = "create-user";
  event.at_ms = 1733420000123;
  return event;
}

/// Splits SSE text into its events' names.
std::vector<std::string> event_names(const std::string& text) {
  std::vector<std::string> result;
  size_t at = 0;
  while ((at = text.find("event: ", at)) != std::string::npos) {
    auto end = text.find('\n', at);
    result.push_back(text.substr(at + 7, end - at - 7));
    at = end;
  }
  return result;
}

} // namespace

TEST_CASE("nobody listens until a page subscribes") {
  flow_hub hub{{.max_subscribers = 2, .queue_capacity = 4}};
  CHECK_FALSE(hub.listening());
  auto sub = hub.subscribe("hello", [] {});
  REQUIRE(sub);
  CHECK(hub.listening());
  hub.unsubscribe(sub);
  CHECK_FALSE(hub.listening());
  CHECK(hub.subscribers() == 0);
}

TEST_CASE("a page that never reads keeps its queue at capacity") {
  flow_hub hub{{.max_subscribers = 2, .queue_capacity = 4}};
  int wakes = 0;
  auto sub = hub.subscribe(http::sse_frame("hello", "{}"), [&] {
    ++wakes;
  });
  REQUIRE(sub);
  // The writer owns the stream from the start (the hello is its first
  // write) and never takes: one write "in flight".
  CHECK(wakes == 0);
  // The emitter never waits for the page: a thousand events return at once.
  for (int i = 0; i < 1000; ++i)
    hub.emit(received("id-" + std::to_string(i)));
  CHECK(hub.queued(*sub) == 4);
  CHECK(hub.dropped(*sub) == 1000 - 3);
  // At most one write in flight: no wake while the first runs.
  CHECK(wakes == 0);

  SECTION("the writer catching up hears how many frames it missed") {
    std::string text;
    REQUIRE(hub.take(*sub, text) == flow_hub::step::write);
    CHECK(
      event_names(text)
      == std::vector<std::string>{"hello", "flow", "flow", "flow", "dropped"});
    CHECK(text.find("data: {\"count\":997}\n\n") != std::string::npos);
    CHECK(hub.queued(*sub) == 0);
    // Nothing more: the writer idles, and the next frame wakes it again.
    CHECK(hub.take(*sub, text) == flow_hub::step::idle);
    hub.emit(received("later"));
    CHECK(wakes == 1);
    REQUIRE(hub.take(*sub, text) == flow_hub::step::write);
    CHECK(event_names(text) == std::vector<std::string>{"flow"});
  }
  SECTION("disconnecting frees the queue and the slot") {
    hub.unsubscribe(sub);
    CHECK(hub.queued(*sub) == 0);
    CHECK(hub.subscribers() == 0);
    hub.emit(received("unheard"));
    CHECK(hub.queued(*sub) == 0);
  }
}

TEST_CASE("pages beyond the cap are refused until one leaves") {
  flow_hub hub{{.max_subscribers = 2, .queue_capacity = 4}};
  auto first = hub.subscribe("a", [] {});
  auto second = hub.subscribe("b", [] {});
  REQUIRE(first);
  REQUIRE(second);
  CHECK_FALSE(hub.subscribe("c", [] {}));
  hub.unsubscribe(first);
  hub.unsubscribe(first); // A second disconnect report changes nothing.
  CHECK(hub.subscribers() == 1);
  CHECK(hub.subscribe("c", [] {}));
}

TEST_CASE("closing the hub ends every stream after what it queued") {
  flow_hub hub{{.max_subscribers = 2, .queue_capacity = 4}};
  int wakes = 0;
  auto sub = hub.subscribe("hello\n\n", [&] {
    ++wakes;
  });
  std::string text;
  REQUIRE(hub.take(*sub, text) == flow_hub::step::write);
  REQUIRE(hub.take(*sub, text) == flow_hub::step::idle);
  hub.emit(received("x"));
  CHECK(wakes == 1);
  hub.close();
  CHECK_FALSE(hub.listening());
  // The frame queued before closing still goes out, then the end.
  REQUIRE(hub.take(*sub, text) == flow_hub::step::write);
  CHECK(hub.take(*sub, text) == flow_hub::step::end);
  CHECK_FALSE(hub.subscribe("late", [] {}));

  SECTION("an idle writer is woken to end its stream") {
    flow_hub other{{.max_subscribers = 1, .queue_capacity = 4}};
    int woken = 0;
    auto idle = other.subscribe("h", [&] {
      ++woken;
    });
    REQUIRE(other.take(*idle, text) == flow_hub::step::write);
    REQUIRE(other.take(*idle, text) == flow_hub::step::idle);
    other.close();
    CHECK(woken == 1);
    CHECK(other.take(*idle, text) == flow_hub::step::end);
  }
}

TEST_CASE("flow events carry the schema's fields") {
  using nlohmann::json;
  auto event = received("4f1c0d2e-0000-4000-8000-000000000001");
  CHECK(json::parse(http::flow_json(event))
        == json{{"id", "4f1c0d2e-0000-4000-8000-000000000001"},
                {"route", "create-user"},
                {"stage", "received"},
                {"at", 1733420000123}});
  event.stage = metrics::flow_stage::outcome;
  event.type = "UserCreated";
  event.partition = 1;
  event.offset = 99;
  event.ms = 7.94;
  auto outcome = json::parse(http::flow_json(event));
  CHECK(outcome["type"] == "UserCreated");
  CHECK(outcome["decidedAt"].is_null());
  CHECK(outcome["partition"] == 1);
  CHECK(outcome["offset"] == 99);
  CHECK(outcome["ms"] == 7.9);
  metrics::flow_event answered;
  answered.stage = metrics::flow_stage::answered;
  answered.route = "create-user";
  answered.status = 422;
  auto edge = json::parse(http::flow_json(answered));
  CHECK(edge["id"].is_null());
  CHECK(edge["status"] == 422);
  CHECK(edge["ms"].is_null());
  CHECK(http::flow_json(answered).find('\n') == std::string::npos);
}
