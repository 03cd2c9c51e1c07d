#include "tests/faults/audit.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// How often the drain polls look again.
constexpr auto poll_interval = 500ms;

/// Failure messages quote this many examples, not thousands.
constexpr size_t max_examples = 8;

void problem(delivery_audit& audit, size_t delivery_audit::*counter,
             std::string text) {
  ++(audit.*counter);
  if (audit.problems.size() < max_examples)
    audit.problems.push_back(std::move(text));
}

bool has_created(const outcome_index& outcomes, const stored_user& row) {
  auto i = outcomes.find(row.request.value);
  if (i == outcomes.end()) return false;
  for (auto& seen : i->second)
    if (seen.event_type == "UserCreated" && seen.user_uuid == row.user.value)
      return true;
  return false;
}

/// Checks the outcome records of the load's request IDs.
void audit_outcomes(delivery_audit& audit, const outcome_index& outcomes,
                    const std::map<std::string, const stored_user*>& by_name,
                    const std::vector<request_record>& records) {
  for (auto& rec : records) {
    if (rec.request_id.empty()) continue;
    auto i = outcomes.find(rec.request_id);
    if (i == outcomes.end()) continue;
    if (i->second.size() > 1) ++audit.repeated_outcomes;
    auto& first = i->second.front();
    for (auto& seen : i->second)
      if (seen.event_type != first.event_type
          || seen.user_uuid != first.user_uuid) {
        problem(audit, &delivery_audit::conflicting_outcomes,
                "request " + rec.request_id + " (" + rec.name + ") has "
                  + first.event_type + " " + first.user_uuid + " and "
                  + seen.event_type + " " + seen.user_uuid);
        break;
      }
    for (auto& seen : i->second)
      if (seen.event_type == "UserDuplicated") {
        problem(audit, &delivery_audit::duplicated_outcomes,
                "UserDuplicated for " + rec.name + " (request " + rec.request_id
                  + "), sent once");
        break;
      }
  }
  for (auto& [name, row] : by_name)
    if (!has_created(outcomes, *row))
      problem(audit, &delivery_audit::outcomes_missing,
              "no UserCreated " + row->user.value + " for request "
                + row->request.value + " (" + name + ") on the topic");
}

} // namespace

outcome_index index_outcomes(const std::vector<kafka::record>& records) {
  outcome_index result;
  for (auto& rec : records) {
    auto request = rec.message.header_value("requestUUID");
    if (!request) continue;
    outcome_seen seen;
    seen.event_type = rec.message.header_value("eventType").value_or("");
    auto value = nlohmann::json::parse(rec.message.value, nullptr, false);
    if (value.is_object()) {
      seen.user_uuid = value.value("userUUID", std::string{});
      seen.name = value.value("name", std::string{});
    }
    result[std::string{*request}].push_back(std::move(seen));
  }
  return result;
}

void collect(topic_capture& capture, milliseconds period) {
  capture.wait_for(
    [](const kafka::record&) {
      return false;
    },
    period);
}

drain_result wait_for_rows(const std::string& prefix,
                           const std::set<std::string>& expected,
                           milliseconds timeout) {
  auto start = load_clock::now();
  auto deadline = start + timeout;
  drain_result result;
  for (;;) {
    result.rows = users_with_prefix(prefix);
    std::set<std::string> stored;
    for (auto& row : result.rows)
      stored.insert(row.name.value);
    result.missing.clear();
    for (auto& name : expected)
      if (stored.count(name) == 0) result.missing.push_back(name);
    result.waited = duration_cast<milliseconds>(load_clock::now() - start);
    if (result.missing.empty() || load_clock::now() >= deadline) return result;
    std::this_thread::sleep_for(poll_interval);
  }
}

outcome_index wait_for_outcomes(topic_capture& capture,
                                const std::vector<stored_user>& rows,
                                milliseconds timeout) {
  auto deadline = load_clock::now() + timeout;
  for (;;) {
    collect(capture, poll_interval);
    auto index = index_outcomes(capture.records());
    bool complete = true;
    for (auto& row : rows)
      complete = complete && has_created(index, row);
    if (complete || load_clock::now() >= deadline) return index;
  }
}

bool published_for_sure(const request_record& rec) {
  return rec.fate == request_fate::answered
         && (rec.status == 201 || rec.status == 409 || rec.status == 504);
}

bool answered_by_worker(const request_record& rec) {
  return rec.fate == request_fate::answered
         && (rec.status == 201 || rec.status == 409);
}

delivery_audit audit_delivery(const std::vector<request_record>& records,
                              const std::vector<stored_user>& rows,
                              const outcome_index* outcomes,
                              const storage_rule& must_store) {
  delivery_audit audit;
  audit.rows = rows.size();
  std::map<std::string, const stored_user*> by_name;
  for (auto& row : rows)
    if (!by_name.emplace(row.name.value, &row).second)
      problem(audit, &delivery_audit::duplicates,
              "two rows named " + row.name.value);
  std::set<std::string> sent;
  for (auto& rec : records) {
    sent.insert(rec.name);
    auto i = by_name.find(rec.name);
    const stored_user* row = i == by_name.end() ? nullptr : i->second;
    if (rec.fate == request_fate::answered && rec.status == 201
        && (row == nullptr || row->user.value != rec.user_uuid
            || row->request.value != rec.request_id))
      problem(audit, &delivery_audit::created_mismatch,
              "201 for " + rec.name + " (uuid " + rec.user_uuid + ", request "
                + rec.request_id + ") but the row is "
                + (row ? row->user.value + " / " + row->request.value
                       : std::string{"missing"}));
    if (rec.fate == request_fate::answered && rec.status == 409)
      problem(audit, &delivery_audit::conflicts,
              "409 for " + rec.name + " (request " + rec.request_id
                + "), sent once");
    if (row == nullptr && must_store(rec))
      problem(audit, &delivery_audit::missing,
              "no row for " + rec.name + " answered "
                + std::to_string(rec.status) + " (request " + rec.request_id
                + ")");
    if (row != nullptr && rec.fate == request_fate::answered
        && rec.status == 503)
      problem(audit, &delivery_audit::unavailable_but_stored,
              "503 for " + rec.name + " (request " + rec.request_id
                + ") but it was created by request " + row->request.value);
  }
  for (auto& row : rows)
    if (sent.count(row.name.value) == 0)
      problem(audit, &delivery_audit::unknown_rows,
              "row " + row.name.value + " was never sent");
  if (outcomes != nullptr) audit_outcomes(audit, *outcomes, by_name, records);
  return audit;
}

void add_to(summary& line, const delivery_audit& audit) {
  auto n = [](size_t x) {
    return static_cast<long long>(x);
  };
  line.add("rows", n(audit.rows));
  line.add("duplicates", n(audit.duplicates));
  line.add("missing", n(audit.missing));
  line.add("created_mismatch", n(audit.created_mismatch));
  line.add("unavailable_but_stored", n(audit.unavailable_but_stored));
  line.add("conflicting_outcomes", n(audit.conflicting_outcomes));
  line.add("outcomes_missing", n(audit.outcomes_missing));
  line.add("repeated_outcomes", n(audit.repeated_outcomes));
}

void check_answered(const load_tally& counts) {
  CHECK(counts.created > 0);
  CHECK(counts.hangs == 0);
  CHECK(counts.dropped == 0);
  CHECK(counts.refused == 0);
  CHECK(counts.other_status == 0);
}

void check_delivery(const delivery_audit& audit) {
  std::string examples;
  for (auto& text : audit.problems)
    examples += "\n  " + text;
  INFO("first violations:" << (examples.empty() ? " none" : examples));
  CHECK(audit.duplicates == 0);
  CHECK(audit.unknown_rows == 0);
  CHECK(audit.created_mismatch == 0);
  CHECK(audit.conflicts == 0);
  CHECK(audit.missing == 0);
  CHECK(audit.unavailable_but_stored == 0);
  CHECK(audit.conflicting_outcomes == 0);
  CHECK(audit.duplicated_outcomes == 0);
  CHECK(audit.outcomes_missing == 0);
}

drained_audit audit_after_drain(const std::vector<request_record>& records,
                                const std::string& prefix,
                                topic_capture& outcomes,
                                const storage_rule& must_store,
                                std::chrono::milliseconds rows_timeout) {
  std::set<std::string> expected;
  for (auto& rec : records)
    if (must_store(rec)) expected.insert(rec.name);
  drained_audit result;
  result.drained = wait_for_rows(prefix, expected, rows_timeout);
  auto index = wait_for_outcomes(outcomes, result.drained.rows,
                                 std::chrono::seconds{30});
  result.audit
    = audit_delivery(records, result.drained.rows, &index, must_store);
  return result;
}

} // namespace semiasync::testing
