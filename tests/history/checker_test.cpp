// The history checker on hand-made histories: it finds each kind of lie it
// is meant to find, and says nothing about a true history. Hermetic: no
// stack, no clock.

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/history/checker.hpp"

using namespace semiasync::testing::history;

namespace {

const std::string prefix = "it-x-h-";
const std::string id_a = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string id_b = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string uuid_a = "11111111-0000-4000-8000-00000000000a";
const std::string uuid_b = "22222222-0000-4000-8000-00000000000b";

/// Builds a history one exchange at a time, indexes included.
struct builder {
  run_history h;

  builder() {
    h.seed = 42;
    h.name_prefix = prefix;
  }

  exchange& post(const std::string& name, int status, const std::string& id,
                 const std::string& key = {}) {
    exchange x;
    x.op = key.empty() ? "fresh" : "key-same";
    x.method = "POST";
    x.path = "/users";
    x.name = name;
    x.key = key;
    x.answered = true;
    x.status = status;
    x.request_id = id;
    x.start_ms = static_cast<int64_t>(h.exchanges.size()) * 10;
    x.end_ms = x.start_ms + 5;
    return add(std::move(x));
  }

  exchange& created(const std::string& name, const std::string& uuid,
                    const std::string& id, const std::string& key = {}) {
    auto& x = post(name, 201, id, key);
    x.body = R"({"name":")" + name + R"(","uuid":")" + uuid + R"("})";
    x.location = "/users/" + uuid;
    return x;
  }

  exchange& get(const std::string& op, const std::string& path, int status,
                const std::string& body) {
    exchange x;
    x.op = op;
    x.method = "GET";
    x.path = path;
    x.answered = true;
    x.status = status;
    x.body = body;
    x.start_ms = static_cast<int64_t>(h.exchanges.size()) * 10;
    x.end_ms = x.start_ms + 5;
    return add(std::move(x));
  }

  exchange& add(exchange x) {
    x.index = h.exchanges.size();
    h.exchanges.push_back(std::move(x));
    return h.exchanges.back();
  }
};

topic_outcome created_event(const std::string& id, const std::string& uuid,
                            const std::string& name) {
  return {id, "UserCreated", name, uuid, "", "user/0@1"};
}

topic_outcome duplicated_event(const std::string& id, const std::string& name) {
  return {id, "UserDuplicated", name, "", "", "user/0@2"};
}

/// The rules that fired, in order.
std::vector<std::string> rules(const std::vector<violation>& found) {
  std::vector<std::string> result;
  for (auto& v : found)
    result.push_back(v.rule);
  return result;
}

} // namespace

TEST_CASE("a true history has no violations", "[history][checker]") {
  builder b;
  b.created(prefix + "ann", uuid_a, id_a, "k1");
  b.created(prefix + "ann", uuid_a, id_a, "k1"); // a retry: the same answer
  b.post(prefix + "ANN", 409, id_b);             // the database's same name
  b.get("get-user", "/users/" + uuid_a, 200,
        R"({"name":")" + prefix + R"(ann","uuid":")" + uuid_a + R"("})");
  b.get("get-request", "/requests/" + id_b, 200,
        R"({"name":")" + prefix + R"(ANN","requestId":")" + id_b
          + R"(","status":"duplicated"})");
  final_state end;
  end.users.push_back({uuid_a, prefix + "ann", id_a});
  end.request_outcomes.push_back({id_b, "UserDuplicated", prefix + "ANN"});
  end.outcomes = {created_event(id_a, uuid_a, prefix + "ann"),
                  created_event(id_a, uuid_a, prefix + "ann"),
                  duplicated_event(id_b, prefix + "ANN")};
  auto found = check_history(b.h, end);
  std::string text;
  for (auto& v : found)
    text += describe(v, b.h) + "\n";
  INFO(text);
  CHECK(found.empty());
}

TEST_CASE("a 201 that names another request's user is a violation",
          "[history][checker]") {
  // Issue 14, item 1: one key, names A and B, both answered 201 with A.
  builder b;
  b.created(prefix + "a", uuid_a, id_a, "shared");
  auto& lie = b.post(prefix + "b", 201, id_a, "shared");
  lie.body = R"({"name":")" + prefix + R"(a","uuid":")" + uuid_a + R"("})";
  lie.location = "/users/" + uuid_a;
  final_state end;
  end.users.push_back({uuid_a, prefix + "a", id_a});
  end.outcomes = {created_event(id_a, uuid_a, prefix + "a"),
                  {id_a, "UserRejected", prefix + "b", "",
                   "request_id_conflict", "user/1@3"}};
  auto found = check_history(b.h, end);
  REQUIRE(rules(found) == std::vector<std::string>{"created-other-name"});
  CHECK(found[0].exchange == 1);
  CHECK(describe(found[0], b.h).find("seed: 42") != std::string::npos);
}

TEST_CASE("a 201 must match its row byte for byte", "[history][checker]") {
  builder b;
  b.created(prefix + "ann", uuid_a, id_a);
  final_state end;
  SECTION("a row with another request ID") {
    end.users.push_back({uuid_a, prefix + "ann", id_b});
  }
  SECTION("a row whose name differs in case") {
    end.users.push_back({uuid_a, prefix + "Ann", id_a});
  }
  SECTION("no row") {
    // nothing stored
  }
  end.outcomes = {created_event(id_a, uuid_a, prefix + "ann")};
  auto found = rules(check_history(b.h, end));
  REQUIRE(!found.empty());
  CHECK(found[0] == "created-mismatch");
}

TEST_CASE("a 409 needs another request's row", "[history][checker]") {
  builder b;
  final_state end;
  b.post(prefix + "bob", 409, id_b);
  end.outcomes = {duplicated_event(id_b, prefix + "bob")};
  SECTION("no row at all") {
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"conflict-unjustified"});
  }
  SECTION("the row is its own request's") {
    end.users.push_back({uuid_b, prefix + "Bob", id_b});
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"conflict-unjustified"});
  }
  SECTION("another request's row, in another case") {
    end.users.push_back({uuid_a, prefix + "BOB", id_a});
    CHECK(check_history(b.h, end).empty());
  }
}

TEST_CASE("a 422 needs the key used with another name", "[history][checker]") {
  builder b;
  final_state end;
  b.post(prefix + "b", 422, id_a, "k");
  SECTION("nothing else under that request ID") {
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"reuse-unjustified"});
  }
  SECTION("the request ID created another name") {
    end.users.push_back({uuid_a, prefix + "a", id_a});
    end.outcomes = {created_event(id_a, uuid_a, prefix + "a")};
    CHECK(check_history(b.h, end).empty());
  }
  SECTION("the request ID was a duplicate of another name") {
    end.request_outcomes.push_back({id_a, "UserDuplicated", prefix + "B"});
    CHECK(check_history(b.h, end).empty());
  }
}

TEST_CASE("accepted requests must be decided, unless the broker may have "
          "lost them",
          "[history][checker]") {
  builder b;
  auto& x = b.post(prefix + "late", 504, id_a);
  final_state end;
  SECTION("never decided") {
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"undecided"});
    CHECK(decisions_due(b.h).size() == 1);
  }
  SECTION("decided under the stored spelling of its name") {
    end.outcomes = {duplicated_event(id_a, prefix + "LATE")};
    end.users.push_back({uuid_b, prefix + "Late", id_b});
    CHECK(check_history(b.h, end).empty());
  }
  SECTION("decided for another name only") {
    end.outcomes = {duplicated_event(id_a, prefix + "other")};
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"undecided"});
  }
  SECTION("during a broker pause the publish may have failed") {
    b.h.faults.push_back(
      {"broker-pause", {"broker"}, x.start_ms - 100, x.end_ms + 100});
    CHECK(check_history(b.h, end).empty());
    CHECK(decisions_due(b.h).empty());
  }
}

TEST_CASE("a 503 that was decided anyway is a violation",
          "[history][checker]") {
  builder b;
  b.post(prefix + "n", 503, id_a);
  final_state end;
  end.outcomes = {duplicated_event(id_a, prefix + "n")};
  end.users.push_back({uuid_b, prefix + "N", id_b});
  CHECK(rules(check_history(b.h, end))
        == std::vector<std::string>{"unpublished-but-decided"});
}

TEST_CASE("the final state itself is checked", "[history][checker]") {
  builder b;
  final_state end;
  SECTION("two rows for one name") {
    end.users
      = {{uuid_a, prefix + "eve", id_a}, {uuid_b, prefix + "EVE", id_b}};
    end.outcomes = {created_event(id_a, uuid_a, prefix + "eve"),
                    created_event(id_b, uuid_b, prefix + "EVE")};
    auto found = rules(check_history(b.h, end));
    CHECK(std::count(found.begin(), found.end(), "duplicate-rows") == 1);
  }
  SECTION("two outcomes for one request and name") {
    end.users = {{uuid_a, prefix + "eve", id_a}};
    end.outcomes = {created_event(id_a, uuid_a, prefix + "eve"),
                    duplicated_event(id_a, prefix + "eve")};
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"outcome-conflict"});
  }
}

TEST_CASE("a status or user answer must agree with the final state",
          "[history][checker]") {
  builder b;
  final_state end;
  end.users.push_back({uuid_a, prefix + "a", id_a});
  end.outcomes = {created_event(id_a, uuid_a, prefix + "a")};
  SECTION("a poll of this client's request names another name") {
    auto& poll
      = b.get("poll", "/requests/" + id_a, 200,
              R"({"name":")" + prefix + R"(a","requestId":")" + id_a
                + R"(","status":"created","uuid":")" + uuid_a + R"("})");
    poll.name = prefix + "b";
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"status-mismatch"});
  }
  SECTION("a user answer with another name") {
    b.get("get-user", "/users/" + uuid_a, 200,
          R"({"name":")" + prefix + R"(A","uuid":")" + uuid_a + R"("})");
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"user-mismatch"});
  }
  SECTION("a keyed attempt's status URL is read by its ID, not its query") {
    auto& poll
      = b.get("poll", "/requests/" + id_a + "?name=" + prefix + "a", 200,
              R"({"name":")" + prefix + R"(a","requestId":")" + id_a
                + R"(","status":"created","uuid":")" + uuid_a + R"("})");
    poll.name = prefix + "a";
    CHECK(check_history(b.h, end).empty());
  }
  SECTION("a 404 for a request answered 201 before") {
    b.created(prefix + "a", uuid_a, id_a);
    b.get("get-request", "/requests/" + id_a, 404, "{}");
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"lost-known"});
  }
  SECTION("a status or user GET answered neither 200 nor a known refusal") {
    b.get("get-request", "/requests/" + id_a, 500, "{}");
    b.get("get-user", "/users/" + uuid_a, 500, "{}");
    CHECK(
      rules(check_history(b.h, end))
      == std::vector<std::string>{"unexpected-status", "unexpected-status"});
  }
}

TEST_CASE("silence is a violation outside the faults that explain it",
          "[history][checker]") {
  builder b;
  auto& x = b.post(prefix + "q", 0, "");
  x.answered = false;
  x.error = "timeout while reading the response";
  b.h.health.push_back({"worker-0", 20, false, "connection refused"});
  final_state end;
  SECTION("no fault") {
    CHECK(rules(check_history(b.h, end))
          == std::vector<std::string>{"no-answer", "unhealthy"});
  }
  SECTION("the server restarted and the worker was paused meanwhile") {
    b.h.faults.push_back({"server-restart", {"server-0"}, 0, 10});
    b.h.faults.push_back({"worker-pause", {"worker-0"}, 15, 25});
    CHECK(check_history(b.h, end).empty());
  }
}

TEST_CASE("one Idempotency-Key maps to one request ID", "[history][checker]") {
  builder b;
  b.post(prefix + "k", 409, id_a, "key");
  b.post(prefix + "k", 409, id_b, "key");
  final_state end;
  end.users.push_back(
    {uuid_a, prefix + "K", "cccccccc-0000-4000-8000-000000000003"});
  end.outcomes = {duplicated_event(id_a, prefix + "k"),
                  duplicated_event(id_b, prefix + "k")};
  CHECK(rules(check_history(b.h, end))
        == std::vector<std::string>{"key-id-unstable"});
}
