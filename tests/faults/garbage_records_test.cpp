// Scenario 4: records no server would send land on the request topic among
// real requests: not JSON, JSON of the wrong shape, no requestUUID header,
// an oversized value. Each must go to the dead-letter topic unchanged, with
// headers naming exactly where it came from, and none may hold up the real
// requests on its partition.

#include "domain/uuid.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/scale.hpp"
#include "tests/faults/summary.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// The header that marks our garbage, so its copies are found anywhere.
const std::string probe_header = "faultProbe";

/// The label of names inside garbage records; not a prefix of load names.
const std::string garbage_name_label = "headerless";

/// One kind of garbage: what it is and how to make one.
struct garbage_kind {
  const char* what;
  wire_message (*make)(const std::string& id);
};

wire_message with_id_header(std::string value, const std::string& id) {
  return {"", std::move(value), {{"requestUUID", id}}};
}

/// Every kind the worker must reject; `id` is a fresh request ID.
const std::vector<garbage_kind>& garbage_kinds() {
  static const std::vector<garbage_kind> kinds{
    {"not JSON",
     [](const std::string& id) {
       return with_id_header("this is { not json", id);
     }},
    {"a JSON array",
     [](const std::string& id) {
       return with_id_header(R"(["requestUUID", "name"])", id);
     }},
    {"an object without name",
     [](const std::string& id) {
       return with_id_header(json{{"requestUUID", id}, {"nom", "x"}}.dump(),
                             id);
     }},
    {"a name that is a number",
     [](const std::string& id) {
       return with_id_header(json{{"requestUUID", id}, {"name", 42}}.dump(),
                             id);
     }},
    {"no requestUUID header",
     [](const std::string& id) {
       // Valid otherwise: only the missing header makes it garbage. Its
       // name is not a load name, and must never be stored.
       auto name = unique_name(garbage_name_label);
       return wire_message{
         "", json{{"requestUUID", id}, {"name", name}}.dump(), {}};
     }},
    {"an empty value",
     [](const std::string& id) {
       return with_id_header("", id);
     }},
    {"a 200 KiB value",
     [](const std::string& id) {
       auto name = std::string(200 * 1024, 'x');
       return with_id_header(json{{"requestUUID", id}, {"name", name}}.dump(),
                             id);
     }},
  };
  return kinds;
}

/// A garbage record as sent.
struct sent_garbage {
  std::string probe;
  std::string what;
  wire_message message;
};

std::optional<std::string> header_of(const kafka::record& rec,
                                     const std::string& name) {
  auto value = rec.message.header_value(name);
  if (!value) return std::nullopt;
  return std::string{*value};
}

/// The record whose probe header is `probe`, among `records`.
const kafka::record* find_probe(const std::vector<kafka::record>& records,
                                const std::string& probe) {
  for (auto& rec : records)
    if (header_of(rec, probe_header) == probe) return &rec;
  return nullptr;
}

/// What is wrong with `dlq` as the dead letter of `source` (sent as
/// `sent`); empty when nothing is.
std::string dead_letter_problem(const sent_garbage& sent,
                                const kafka::record& source,
                                const kafka::record& dlq) {
  std::string result;
  auto expect = [&](const std::string& header, const std::string& want) {
    auto got = header_of(dlq, header);
    if (got != want)
      result
        += " " + header + "=" + got.value_or("(none)") + " (want " + want + ")";
  };
  expect("dlqSourceTopic", source.topic);
  expect("dlqSourcePartition", std::to_string(source.partition));
  expect("dlqSourceOffset", std::to_string(source.offset));
  if (header_of(dlq, "dlqError").value_or("").empty())
    result += " dlqError empty or missing";
  if (dlq.message.key != sent.message.key) result += " key changed";
  if (dlq.message.value != sent.message.value) result += " value changed";
  for (auto& h : sent.message.headers)
    if (header_of(dlq, h.name) != h.value)
      result += " header " + h.name + " lost";
  return result;
}

} // namespace

TEST_CASE("garbage records among real requests go to the dead-letter topic "
          "with their source and block nothing",
          "[fault][garbage]") {
  fault_rig rig{"garbage"};
  // The request topic is read too: the garbage's own positions are the
  // truth the dead-letter headers must name.
  topic_capture requests{rig.topics().requests};
  topic_capture dead_letters{rig.topics().dead_letters};
  topic_capture outcomes{rig.topics().outcomes};
  const int rounds = scaled(3, 15);

  auto plan = rig.plan_load();
  plan.clients = 2;
  plan.requests_per_second = 10;
  plan.duration = scaled(8s, 40s);
  plan.client_timeout = 8s;
  load_run load{plan};

  // Rounds of every kind, spread over the load, each with its own key so
  // they land on several partitions among the real requests.
  std::vector<sent_garbage> garbage;
  for (int round = 0; round < rounds; ++round) {
    for (auto& kind : garbage_kinds()) {
      sent_garbage item{random_uuid(), kind.what, kind.make(random_uuid())};
      item.message.key = "garbage-" + item.probe;
      item.message.headers.push_back({probe_header, item.probe});
      produce({rig.topics().requests, item.message, -1});
      garbage.push_back(std::move(item));
    }
    std::this_thread::sleep_for(plan.duration / (rounds + 1));
  }
  auto records = load.wait();
  auto counts = tally(records);

  // Every dead letter arrives within the worker's first look at it.
  dead_letters.wait_for(
    [&](const kafka::record&) {
      return dead_letters.records().size() >= garbage.size();
    },
    60s);
  collect(dead_letters, 2s);
  collect(requests, 2s);
  size_t matched = 0;
  std::vector<std::string> problems;
  for (auto& item : garbage) {
    auto* source = find_probe(requests.records(), item.probe);
    auto* dlq = find_probe(dead_letters.records(), item.probe);
    std::string problem;
    if (source == nullptr)
      problem = " not found on the request topic";
    else if (dlq == nullptr)
      problem = " not dead-lettered";
    else
      problem = dead_letter_problem(item, *source, *dlq);
    if (problem.empty())
      ++matched;
    else if (problems.size() < 10)
      problems.push_back(item.what + (":" + problem));
  }

  auto [drained, audit] = audit_after_drain(records, rig.name_prefix(),
                                            outcomes, published_for_sure, 60s);
  auto garbage_rows
    = users_with_prefix(run_prefix() + "-" + garbage_name_label + "-").size();

  summary line{"garbage"};
  line.add(counts);
  add_to(line, audit);
  line.add("garbage_sent", static_cast<long long>(garbage.size()));
  line.add("dlq", static_cast<long long>(dead_letters.records().size()));
  line.add("dlq_matched", static_cast<long long>(matched));
  line.add("garbage_rows", static_cast<long long>(garbage_rows));
  WARN(line.publish());

  INFO(rig.log_tails());
  std::string examples;
  for (auto& text : problems)
    examples += "\n  " + text;
  {
    INFO("garbage not dead-lettered as it should be:" << examples);
    CHECK(matched == garbage.size());
  }
  // Only garbage is dead-lettered: no real request among them.
  CHECK(dead_letters.records().size() == garbage.size());
  CHECK(garbage_rows == 0);
  CHECK(counts.sent > 0);
  CHECK(counts.created == counts.sent);
  check_delivery(audit);
  CHECK(rig.worker().running());
}
