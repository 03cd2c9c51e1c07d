#include "tests/history/history_json.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace semiasync::testing::history {

namespace {

using json = nlohmann::json;

json to_json(const exchange& x) {
  return {{"index", x.index},
          {"client", x.client},
          {"op", x.op},
          {"server", x.server},
          {"method", x.method},
          {"path", x.path},
          {"name", x.name},
          {"key", x.key},
          {"respondAsync", x.respond_async},
          {"wait", x.wait_seconds},
          {"startMs", x.start_ms},
          {"endMs", x.end_ms},
          {"answered", x.answered},
          {"refused", x.refused},
          {"error", x.error},
          {"status", x.status},
          {"body", x.body},
          {"requestId", x.request_id},
          {"location", x.location}};
}

} // namespace

bool write_history_json(const std::string& path, const run_history& h,
                        const final_state& end,
                        const std::vector<violation>& found) {
  json doc;
  doc["seed"] = h.seed;
  doc["namePrefix"] = h.name_prefix;
  for (auto& x : h.exchanges)
    doc["exchanges"].push_back(to_json(x));
  for (auto& f : h.faults)
    doc["faults"].push_back({{"kind", f.kind},
                             {"targets", f.targets},
                             {"startMs", f.start_ms},
                             {"endMs", f.end_ms}});
  for (auto& s : h.health)
    doc["health"].push_back({{"target", s.target},
                             {"atMs", s.at_ms},
                             {"ok", s.ok},
                             {"detail", s.detail}});
  for (auto& r : end.users)
    doc["users"].push_back(
      {{"uuid", r.uuid}, {"name", r.name}, {"requestId", r.request_id}});
  for (auto& r : end.request_outcomes)
    doc["requestOutcomes"].push_back({{"requestId", r.request_id},
                                      {"eventType", r.event_type},
                                      {"name", r.name}});
  for (auto& o : end.outcomes)
    doc["outcomes"].push_back({{"requestId", o.request_id},
                               {"eventType", o.event_type},
                               {"name", o.name},
                               {"userUuid", o.user_uuid},
                               {"error", o.error},
                               {"position", o.position}});
  for (auto& v : found)
    doc["violations"].push_back(
      {{"rule", v.rule}, {"detail", v.detail}, {"exchange", v.exchange}});
  std::filesystem::create_directories(
    std::filesystem::path{path}.parent_path());
  std::ofstream out{path};
  out << doc.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
  return static_cast<bool>(out);
}

} // namespace semiasync::testing::history
