#include "tests/history/checker.hpp"

#include "domain/ascii_text.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

namespace semiasync::testing::history {

namespace {

using json = nlohmann::json;

constexpr std::string_view requests_prefix = "/requests/";
constexpr std::string_view users_prefix = "/users/";

/// A field of a JSON object body, or empty.
std::string field(const json& doc, const char* name) {
  if (!doc.is_object()) return {};
  auto i = doc.find(name);
  if (i == doc.end() || !i->is_string()) return {};
  return i->get<std::string>();
}

json parse(const std::string& body) {
  return json::parse(body, nullptr, false);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool overlaps(int64_t from, int64_t to, int64_t window_from,
              int64_t window_to) {
  return from <= window_to && window_from <= to;
}

/// The final state and the history, indexed once.
class indexed {
public:
  indexed(const run_history& h, const final_state& end,
          const checker_settings& cfg)
    : h_(h), end_(end), cfg_(cfg) {
    for (auto& row : end.users) {
      by_uuid_.emplace(row.uuid, &row);
      by_request_.emplace(row.request_id, &row);
      by_name_key_.emplace(name_key(row.name), &row);
    }
    for (auto& row : end.request_outcomes)
      recorded_.emplace(row.request_id, &row);
    for (auto& rec : end.outcomes)
      outcomes_[rec.request_id].push_back(&rec);
    for (auto& x : h.exchanges) {
      if (!x.request_id.empty() && x.is_create())
        exchanges_by_id_[x.request_id].push_back(&x);
      if (x.is_create() && x.answered && x.status == 201) {
        auto uuid = field(parse(x.body), "uuid");
        auto i = created_uuid_at_.find(uuid);
        if (!uuid.empty()
            && (i == created_uuid_at_.end() || x.end_ms < i->second))
          created_uuid_at_[uuid] = x.end_ms;
      }
    }
  }

  const user_row* row_by_uuid(const std::string& uuid) const {
    auto i = by_uuid_.find(uuid);
    return i == by_uuid_.end() ? nullptr : i->second;
  }

  const user_row* row_by_request(const std::string& id) const {
    auto i = by_request_.find(id);
    return i == by_request_.end() ? nullptr : i->second;
  }

  const user_row* row_by_name(const std::string& name) const {
    auto i = by_name_key_.find(name_key(name));
    return i == by_name_key_.end() ? nullptr : i->second;
  }

  const outcome_row* recorded(const std::string& id) const {
    auto i = recorded_.find(id);
    return i == recorded_.end() ? nullptr : i->second;
  }

  const std::vector<const topic_outcome*>&
  outcomes_of(const std::string& id) const {
    static const std::vector<const topic_outcome*> none;
    auto i = outcomes_.find(id);
    return i == outcomes_.end() ? none : i->second;
  }

  const std::vector<const exchange*>&
  exchanges_of(const std::string& id) const {
    static const std::vector<const exchange*> none;
    auto i = exchanges_by_id_.find(id);
    return i == exchanges_by_id_.end() ? none : i->second;
  }

  /// When the first 201 naming user `uuid` was complete.
  std::optional<int64_t> created_at(const std::string& uuid) const {
    auto i = created_uuid_at_.find(uuid);
    if (i == created_uuid_at_.end()) return std::nullopt;
    return i->second;
  }

  /// True when [from, to] meets a fault window on `target` (with slack).
  bool excused(const std::string& target, int64_t from, int64_t to) const {
    for (auto& f : h_.faults)
      if (std::find(f.targets.begin(), f.targets.end(), target)
            != f.targets.end()
          && overlaps(from, to, f.start_ms - cfg_.before_fault_ms,
                      f.end_ms + cfg_.after_fault_ms))
        return true;
    return false;
  }

  /// True when [from, to] meets a broker pause widened by the produce grace.
  bool near_broker_fault(int64_t from, int64_t to) const {
    for (auto& f : h_.faults)
      if (std::find(f.targets.begin(), f.targets.end(), "broker")
            != f.targets.end()
          && overlaps(from, to, f.start_ms - cfg_.before_fault_ms,
                      f.end_ms + cfg_.broker_grace_ms))
        return true;
    return false;
  }

  const final_state& end() const {
    return end_;
  }

private:
  const run_history& h_;
  const final_state& end_;
  const checker_settings& cfg_;
  std::map<std::string, const user_row*> by_uuid_;
  std::map<std::string, const user_row*> by_request_;
  std::multimap<std::string, const user_row*> by_name_key_;
  std::map<std::string, const outcome_row*> recorded_;
  std::map<std::string, std::vector<const topic_outcome*>> outcomes_;
  std::map<std::string, std::vector<const exchange*>> exchanges_by_id_;
  std::map<std::string, int64_t> created_uuid_at_;
};

/// Collects violations.
class report {
public:
  void add(std::string rule, std::string detail, long at = -1) {
    found_.push_back({std::move(rule), std::move(detail), at});
  }

  void add(std::string rule, std::string detail, const exchange& x) {
    add(std::move(rule), std::move(detail), static_cast<long>(x.index));
  }

  std::vector<violation> take() {
    return std::move(found_);
  }

private:
  std::vector<violation> found_;
};

// -- create-user POSTs
// ---------------------------------------------------------

void check_created(const indexed& ix, const exchange& x, report& out) {
  auto doc = parse(x.body);
  auto name = field(doc, "name");
  auto uuid = field(doc, "uuid");
  if (name != x.name) {
    out.add("created-other-name",
            "201 names \"" + name + "\" (uuid " + uuid
              + ") but the request sent \"" + x.name + "\"",
            x);
    return;
  }
  auto* row = ix.row_by_uuid(uuid);
  if (row == nullptr) {
    out.add("created-mismatch", "201 names uuid " + uuid + ", which has no row",
            x);
    return;
  }
  if (row->name != x.name || row->request_id != x.request_id)
    out.add("created-mismatch",
            "201 for \"" + x.name + "\" with request " + x.request_id
              + ", but row " + uuid + " holds \"" + row->name
              + "\" from request " + row->request_id,
            x);
  else if (x.location != "/users/" + uuid)
    out.add("created-mismatch",
            "201 for uuid " + uuid + " with Location \"" + x.location + "\"",
            x);
}

void check_conflict(const indexed& ix, const exchange& x, report& out) {
  auto* row = ix.row_by_name(x.name);
  if (row == nullptr)
    out.add("conflict-unjustified",
            "409 for \"" + x.name + "\", but no row has that name", x);
  else if (row->request_id == x.request_id)
    out.add("conflict-unjustified",
            "409 for \"" + x.name + "\", but its own request " + x.request_id
              + " created row \"" + row->name + "\"",
            x);
}

void check_reuse(const indexed& ix, const exchange& x, report& out) {
  const auto& id = x.request_id;
  if (auto* row = ix.row_by_request(id); row && row->name != x.name) return;
  if (auto* rec = ix.recorded(id);
      rec && rec->name != x.name && rec->event_type != "UserRejected")
    return;
  for (auto* rec : ix.outcomes_of(id))
    if (rec->name != x.name && rec->event_type != "UserRejected") return;
  out.add("reuse-unjustified",
          "422 for \"" + x.name + "\" (key \"" + x.key + "\"), but request "
            + id + " was never created or duplicated under another name",
          x);
}

bool status_allowed(const exchange& x) {
  switch (x.status) {
    case 201:
    case 409:
    case 503:
    case 504: return true;
    case 202: return x.respond_async;
    case 422: return !x.key.empty();
    default: return false;
  }
}

void check_create(const indexed& ix, const exchange& x, report& out) {
  if (x.request_id.empty()) {
    out.add("missing-request-id",
            "a " + std::to_string(x.status) + " to a POST without X-Request-Id",
            x);
    return;
  }
  if (!status_allowed(x)) {
    out.add(
      "unexpected-status",
      std::to_string(x.status) + " to a valid create of \"" + x.name + "\"", x);
    return;
  }
  switch (x.status) {
    case 201: check_created(ix, x, out); break;
    case 409: check_conflict(ix, x, out); break;
    case 422: check_reuse(ix, x, out); break;
    case 503:
      // Never published: nobody may decide it, unless a retry with the
      // same key published the same request ID later.
      if (ix.exchanges_of(x.request_id).size() == 1
          && !ix.outcomes_of(x.request_id).empty())
        out.add("unpublished-but-decided",
                "503 (not published) but request " + x.request_id
                  + " was decided on the outcome topic",
                x);
      break;
    default: break;
  }
}

// -- status and user GETs
// ------------------------------------------------------

/// The parsed body of a GET answered 200. Any other status still here (the
/// caller has judged the ones it expects) is reported, and nothing returned.
std::optional<json> ok_body(const exchange& x, report& out) {
  if (x.status != 200) {
    out.add("unexpected-status", std::to_string(x.status) + " to GET " + x.path,
            x);
    return std::nullopt;
  }
  return parse(x.body);
}

void check_status(const indexed& ix, const exchange& x, report& out) {
  // A keyed attempt's status URL names its name after the ID (`?name=`).
  auto id = x.path.substr(requests_prefix.size());
  id = id.substr(0, id.find('?'));
  if (x.status == 404) {
    for (auto* y : ix.exchanges_of(id))
      if (y->answered && (y->status == 201 || y->status == 409)
          && y->end_ms < x.start_ms) {
        out.add("lost-known",
                "404 for request " + id + ", answered "
                  + std::to_string(y->status) + " by exchange #"
                  + std::to_string(y->index) + " before",
                x);
        return;
      }
    return;
  }
  if (x.status == 503) return;
  if (x.status == 202) {
    if (ix.outcomes_of(id).empty())
      out.add("status-mismatch",
              "202 pending for request " + id + ", which was never decided", x);
    return;
  }
  auto body = ok_body(x, out);
  if (!body) return;
  const auto& doc = *body;
  auto status = field(doc, "status");
  auto name = field(doc, "name");
  if (x.op == "poll" && name != x.name) {
    out.add("status-mismatch",
            "the status of this client's request for \"" + x.name + "\" says "
              + status + " \"" + name + "\"",
            x);
    return;
  }
  if (status == "created") {
    auto* row = ix.row_by_request(id);
    auto uuid = field(doc, "uuid");
    if (row == nullptr || row->uuid != uuid || row->name != name)
      out.add("status-mismatch",
              "status created " + uuid + " \"" + name + "\", but the row of "
                + id + " is "
                + (row ? row->uuid + " \"" + row->name + "\""
                       : std::string{"missing"}),
              x);
  } else if (status == "duplicated") {
    auto* own = ix.row_by_request(id);
    auto* holder = ix.row_by_name(name);
    if (own != nullptr || holder == nullptr)
      out.add("status-mismatch",
              "status duplicated \"" + name + "\", but "
                + (own ? "request " + id + " created \"" + own->name + "\""
                       : std::string{"no row has that name"}),
              x);
  } else if (status == "rejected") {
    bool seen = false;
    for (auto* rec : ix.outcomes_of(id))
      seen = seen || (rec->event_type == "UserRejected" && rec->name == name);
    if (!seen)
      out.add("status-mismatch",
              "status rejected \"" + name + "\", but no UserRejected for it",
              x);
  } else {
    out.add("status-mismatch", "status \"" + status + "\" is no status", x);
  }
}

void check_user(const indexed& ix, const exchange& x, report& out) {
  auto uuid = x.path.substr(users_prefix.size());
  if (x.status == 503) return;
  if (x.status == 404) {
    if (auto at = ix.created_at(uuid); at && *at < x.start_ms)
      out.add("lost-known",
              "404 for user " + uuid + ", announced by a 201 before", x);
    return;
  }
  auto body = ok_body(x, out);
  if (!body) return;
  const auto& doc = *body;
  auto* row = ix.row_by_uuid(uuid);
  if (row == nullptr || field(doc, "uuid") != uuid
      || field(doc, "name") != row->name)
    out.add("user-mismatch",
            "GET answered " + x.body + " but the row is "
              + (row ? "\"" + row->name + "\"" : std::string{"missing"}),
            x);
}

// -- per exchange
// ----------------------------------------------------------------

void check_exchange(const indexed& ix, const exchange& x, report& out) {
  if (starts_with(x.op, "hostile")) return;
  if (!x.answered) {
    if (!ix.excused("server-" + std::to_string(x.server), x.start_ms, x.end_ms))
      out.add("no-answer",
              x.method + " " + x.path + " got no answer: " + x.error, x);
    return;
  }
  if (x.is_create())
    check_create(ix, x, out);
  else if (x.method == "GET" && starts_with(x.path, requests_prefix))
    check_status(ix, x, out);
  else if (x.method == "GET" && starts_with(x.path, users_prefix))
    check_user(ix, x, out);
}

// -- the whole history
// ------------------------------------------------------------

void check_keys(const run_history& h, report& out) {
  std::map<std::string, std::set<std::string>> ids;
  std::map<std::string, size_t> first;
  for (auto& x : h.exchanges)
    if (x.is_create() && x.answered && !x.key.empty()
        && !x.request_id.empty()) {
      ids[x.key].insert(x.request_id);
      first.emplace(x.key, x.index);
    }
  for (auto& [key, set] : ids)
    if (set.size() > 1)
      out.add("key-id-unstable",
              "Idempotency-Key \"" + key + "\" was answered with "
                + std::to_string(set.size()) + " request IDs",
              static_cast<long>(first[key]));
}

void check_decisions(const run_history& h, const indexed& ix,
                     const checker_settings& cfg, report& out) {
  for (auto& due : undecided(decisions_due(h, cfg), ix.end().outcomes)) {
    auto& x = h.exchanges[due.exchange];
    std::string other;
    for (auto* rec : ix.outcomes_of(due.request_id))
      other += " " + rec->event_type + " \"" + rec->name + "\"";
    out.add("undecided",
            "answered " + std::to_string(x.status) + " but request "
              + due.request_id + " has no outcome for \"" + due.name
              + "\" on the topic"
              + (other.empty() ? "" : " (only for:" + other + ")"),
            x);
  }
}

void check_rows(const final_state& end, report& out) {
  std::map<std::string, const user_row*> seen;
  for (auto& row : end.users) {
    auto [i, fresh] = seen.emplace(name_key(row.name), &row);
    if (!fresh)
      out.add("duplicate-rows", "rows \"" + i->second->name + "\" ("
                                  + i->second->uuid + ") and \"" + row.name
                                  + "\" (" + row.uuid
                                  + ") are one name to the database");
  }
}

void check_topic(const run_history& h, const indexed& ix, report& out) {
  std::map<std::pair<std::string, std::string>, const topic_outcome*> first;
  std::map<std::string, const topic_outcome*> created_by_name;
  for (auto& rec : ix.end().outcomes) {
    auto [i, fresh]
      = first.emplace(std::make_pair(rec.request_id, rec.name), &rec);
    auto* was = i->second;
    if (!fresh
        && (was->event_type != rec.event_type
            || was->user_uuid != rec.user_uuid))
      out.add("outcome-conflict", "request " + rec.request_id + " \"" + rec.name
                                    + "\" has " + was->event_type + " "
                                    + was->user_uuid + " at " + was->position
                                    + " and " + rec.event_type + " "
                                    + rec.user_uuid + " at " + rec.position);
    if (rec.event_type != "UserCreated"
        || !starts_with(rec.name, h.name_prefix))
      continue;
    auto [j, first_create] = created_by_name.emplace(name_key(rec.name), &rec);
    if (!first_create && j->second->request_id != rec.request_id)
      out.add("outcome-conflict", "UserCreated \"" + j->second->name
                                    + "\" by request " + j->second->request_id
                                    + " and \"" + rec.name + "\" by request "
                                    + rec.request_id);
    auto* row = ix.row_by_request(rec.request_id);
    if (row == nullptr || row->uuid != rec.user_uuid || row->name != rec.name)
      out.add("outcome-conflict",
              "UserCreated " + rec.user_uuid + " \"" + rec.name
                + "\" for request " + rec.request_id + " at " + rec.position
                + ", but its row is "
                + (row ? row->uuid + " \"" + row->name + "\""
                       : std::string{"missing"}));
  }
}

void check_health(const run_history& h, const indexed& ix, report& out) {
  for (auto& s : h.health)
    if (!s.ok && !ix.excused(s.target, s.at_ms, s.at_ms))
      out.add("unhealthy", s.target + " /healthz failed at "
                             + std::to_string(s.at_ms) + " ms: " + s.detail);
}

} // namespace

std::string name_key(std::string_view name) {
  auto end = name.find_last_not_of(' ');
  return ascii_lowercase(
    name.substr(0, end == std::string_view::npos ? 0 : end + 1));
}

std::vector<decision_due> decisions_due(const run_history& h,
                                        const checker_settings& cfg) {
  final_state none;
  indexed ix{h, none, cfg};
  std::vector<decision_due> result;
  for (auto& x : h.exchanges) {
    if (!x.is_create() || !x.answered || x.request_id.empty()) continue;
    bool due
      = x.status == 201 || x.status == 409 || x.status == 202
        || (x.status == 504 && !ix.near_broker_fault(x.start_ms, x.end_ms));
    // A 201 naming another name already failed; its own name is what the
    // worker must still decide.
    if (due) result.push_back({x.request_id, x.name, x.index});
  }
  return result;
}

std::vector<decision_due>
undecided(const std::vector<decision_due>& due,
          const std::vector<topic_outcome>& outcomes) {
  // Liveness only: an outcome for the name as the database compares it
  // decides the request; whether its spelling is the request's own is for
  // the rules on answers (a 201 naming another spelling is a violation).
  std::set<std::pair<std::string, std::string>> decided;
  for (auto& rec : outcomes)
    decided.emplace(rec.request_id, name_key(rec.name));
  std::vector<decision_due> result;
  for (auto& d : due)
    if (decided.count({d.request_id, name_key(d.name)}) == 0)
      result.push_back(d);
  return result;
}

std::vector<violation> check_history(const run_history& h,
                                     const final_state& end,
                                     const checker_settings& cfg) {
  indexed ix{h, end, cfg};
  report out;
  for (auto& x : h.exchanges)
    check_exchange(ix, x, out);
  check_keys(h, out);
  check_decisions(h, ix, cfg, out);
  check_rows(end, out);
  check_topic(h, ix, out);
  check_health(h, ix, out);
  return out.take();
}

std::string describe(const exchange& x) {
  std::string text = "#" + std::to_string(x.index) + " client "
                     + std::to_string(x.client) + " " + x.op + " server-"
                     + std::to_string(x.server) + " " + x.method + " " + x.path;
  if (!x.name.empty()) text += " name=\"" + x.name + "\"";
  if (!x.key.empty()) text += " key=\"" + x.key + "\"";
  if (x.respond_async) text += " prefer=respond-async";
  if (x.wait_seconds > 0)
    text += " prefer=wait=" + std::to_string(x.wait_seconds);
  text += " t=" + std::to_string(x.start_ms) + ".." + std::to_string(x.end_ms)
          + "ms -> ";
  if (!x.answered)
    return text + (x.refused ? "refused" : "no answer") + " (" + x.error + ")";
  text += std::to_string(x.status);
  if (!x.request_id.empty()) text += " X-Request-Id=" + x.request_id;
  if (!x.location.empty()) text += " Location=" + x.location;
  if (!x.body.empty()) text += " body=" + x.body.substr(0, 300);
  return text;
}

std::string describe(const violation& v, const run_history& h) {
  std::string text = "[" + v.rule + "] " + v.detail;
  if (v.exchange >= 0 && static_cast<size_t>(v.exchange) < h.exchanges.size())
    text += "\n    record: " + describe(h.exchanges[v.exchange]);
  return text + "\n    seed: " + std::to_string(h.seed);
}

} // namespace semiasync::testing::history
