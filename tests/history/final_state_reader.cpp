#include "tests/history/final_state_reader.hpp"

#include "kafka/wire_codec.hpp"

#include <mysql++/mysql++.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <type_traits>
#include <variant>

#include "tests/support/admin_db.hpp"

namespace semiasync::testing::history {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string text_of(const mysqlpp::String& field) {
  return {field.data(), field.length()};
}

/// The fields of a record the codec cannot read, as far as they go.
topic_outcome salvage(const kafka::record& rec) {
  topic_outcome result;
  result.request_id
    = std::string{rec.message.header_value(request_uuid_header).value_or("")};
  result.event_type
    = std::string{rec.message.header_value(event_type_header).value_or("?")};
  auto doc = nlohmann::json::parse(rec.message.value, nullptr, false);
  if (doc.is_object()) {
    result.name = doc.value("name", std::string{});
    result.user_uuid = doc.value("userUUID", std::string{});
  }
  result.error = "undecodable: " + rec.message.value.substr(0, 200);
  return result;
}

} // namespace

std::vector<topic_outcome> outcomes_of(const topic_capture& capture) {
  std::vector<topic_outcome> result;
  for (auto& rec : capture.records()) {
    auto decoded = decode_outcome(rec.message);
    topic_outcome out;
    if (!decoded) {
      out = salvage(rec);
    } else {
      out.event_type
        = std::string{rec.message.header_value(event_type_header).value_or("")};
      std::visit(
        [&](const auto& x) {
          out.request_id = x.request.value;
          out.name = x.name.value;
          using type = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<type, user_created>)
            out.user_uuid = x.user.value;
          if constexpr (std::is_same_v<type, user_rejected>)
            out.error = to_string(x.reason);
        },
        *decoded);
    }
    out.position = kafka::position_of(rec);
    result.push_back(std::move(out));
  }
  return result;
}

drain_report drain(topic_capture& capture, const std::vector<decision_due>& due,
                   std::chrono::milliseconds quiet,
                   std::chrono::milliseconds limit) {
  auto start = clock_type::now();
  auto last_growth = start;
  size_t seen = capture.records().size();
  drain_report result;
  for (;;) {
    // Reads for half a second: no record matches.
    capture.wait_for(
      [](const kafka::record&) {
        return false;
      },
      500ms);
    auto now = clock_type::now();
    if (capture.records().size() != seen) {
      seen = capture.records().size();
      last_growth = now;
    }
    result.outcomes = outcomes_of(capture);
    result.still_undecided = undecided(due, result.outcomes).size();
    bool settled = result.still_undecided == 0 && now - last_growth >= quiet;
    if (settled || now - start >= limit) break;
  }
  result.waited = std::chrono::duration_cast<std::chrono::milliseconds>(
    clock_type::now() - start);
  return result;
}

final_state read_tables(const std::string& prefix) {
  final_state result;
  for (auto& row : users_with_prefix(prefix))
    result.users.push_back({row.user.value, row.name.value, row.request.value});
  mysqlpp::Connection conn{true};
  connect_admin(conn, db_settings());
  auto query = conn.query("SELECT request_uuid, event_type, name FROM"
                          " request_outcomes WHERE name LIKE %0q");
  query.parse();
  // The prefix is "it-<uuid>-hc-": '-' is no LIKE wildcard; the exact
  // test below keeps what LIKE's collation matched beyond it.
  for (auto& row : query.store(prefix + "%")) {
    auto name = text_of(row.at(2));
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    result.request_outcomes.push_back(
      {text_of(row.at(0)), text_of(row.at(1)), std::move(name)});
  }
  return result;
}

} // namespace semiasync::testing::history
