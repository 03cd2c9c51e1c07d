#include "http/prefer.hpp"

#include <catch2/catch.hpp>

using namespace semiasync::http;
using namespace std::chrono_literals;

TEST_CASE("Prefer: a missing header asks for nothing", "[prefer]") {
  auto prefs = parse_prefer(std::nullopt);
  CHECK_FALSE(prefs.respond_async);
  CHECK_FALSE(prefs.wait);
}

TEST_CASE("Prefer: respond-async and wait are read per RFC 7240", "[prefer]") {
  SECTION("one preference") {
    auto prefs = parse_prefer("respond-async");
    CHECK(prefs.respond_async);
    CHECK_FALSE(prefs.wait);
  }
  SECTION("both, in any case and spacing") {
    auto prefs = parse_prefer(" Respond-Async ,WAIT=7 ");
    CHECK(prefs.respond_async);
    CHECK(prefs.wait == 7s);
  }
  SECTION("a quoted value and a parameter") {
    auto prefs = parse_prefer("wait=\"3\"; foo=bar, respond-async;x");
    CHECK(prefs.respond_async);
    CHECK(prefs.wait == 3s);
  }
  SECTION("the first wait wins") {
    CHECK(parse_prefer("wait=2, wait=9").wait == 2s);
  }
  SECTION("unknown and unreadable preferences are ignored") {
    auto prefs = parse_prefer("return=minimal, wait=soon, handling=lenient");
    CHECK_FALSE(prefs.respond_async);
    CHECK_FALSE(prefs.wait);
    CHECK_FALSE(parse_prefer("wait=-1").wait);
    CHECK_FALSE(parse_prefer("wait=1.5").wait);
    CHECK_FALSE(parse_prefer("respond-asynchronously").respond_async);
  }
  SECTION("a huge wait is capped instead of refused") {
    auto prefs = parse_prefer("wait=99999999999999999999999");
    REQUIRE(prefs.wait);
    CHECK(*prefs.wait == 24h);
  }
}

TEST_CASE("request_deadline honours wait up to the maximum", "[prefer]") {
  constexpr auto reply = 5000ms;
  constexpr auto max_wait = 30000ms;
  CHECK(request_deadline({}, reply, max_wait) == reply);
  CHECK(request_deadline({false, 2s}, reply, max_wait) == 2000ms);
  CHECK(request_deadline({false, 10s}, reply, max_wait) == 10000ms);
  CHECK(request_deadline({false, 120s}, reply, max_wait) == max_wait);
  // respond-async alone: answer as soon as the request is published.
  CHECK(request_deadline({true, std::nullopt}, reply, max_wait) == 0ms);
  CHECK(request_deadline({true, 4s}, reply, max_wait) == 4000ms);
}

TEST_CASE("Prefer: several fields are one list", "[prefer]") {
  // Issue 14, item 10: `-H 'Prefer: wait=1' -H 'Prefer: respond-async'`
  // was read as wait=1 alone and answered 504 instead of 202.
  auto prefs = parse_prefer_fields({"wait=1", "respond-async"});
  CHECK(prefs.respond_async);
  CHECK(prefs.wait == 1s);
  // The first wait wins across fields too.
  CHECK(parse_prefer_fields({"wait=2", "wait=9"}).wait == 2s);
  CHECK_FALSE(parse_prefer_fields({}).respond_async);
}

TEST_CASE("Preference-Applied tells the wait that was applied", "[prefer]") {
  // Issue 14, item 10: wait=60 was echoed when 30 s were applied.
  auto prefs = parse_prefer("wait=60");
  auto applied = request_deadline(prefs, 5s, 30s);
  CHECK(preference_applied(prefs, false, applied) == "wait=30");
  CHECK(preference_applied(parse_prefer("wait=7"), false, 7s) == "wait=7");
  CHECK(preference_applied(parse_prefer("wait=2"), false, 1500ms) == "wait=2");
  auto both = parse_prefer("respond-async, wait=3");
  CHECK(preference_applied(both, true, 3s) == "respond-async, wait=3");
  // respond-async is applied only when the answer is the 202.
  CHECK(preference_applied(both, false, 3s) == "wait=3");
  CHECK(preference_applied(parse_prefer(std::nullopt), false, 5s).empty());
}

TEST_CASE("a deadline's remainder never goes below zero") {
  using namespace std::chrono_literals;
  CHECK(remaining_deadline(5000ms, 1200ms) == 3800ms);
  // Part of a millisecond spent counts as a whole one: never more time
  // than the client gave.
  CHECK(remaining_deadline(5000ms, 1200500us) == 3799ms);
  CHECK(remaining_deadline(5000ms, 5000ms) == 0ms);
  CHECK(remaining_deadline(5000ms, 9s) == 0ms);
  CHECK(remaining_deadline(0ms, 1ms) == 0ms);
}
