#include "tests/faults/load.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// Sorts a client failure by what it tells about the server: nobody
/// listening, a connection given up without an answer, or no answer in time.
request_fate classify(const http_error& err) {
  std::string_view what = err.what();
  if (what.rfind("connect to port", 0) == 0) return request_fate::refused;
  if (what.rfind("timeout while", 0) == 0) return request_fate::hang;
  return request_fate::dropped;
}

/// The `uuid` field of a 201 body, or empty when it has none.
std::string uuid_in(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("uuid") || !doc["uuid"].is_string())
    return {};
  return doc["uuid"].get<std::string>();
}

/// Sends one request for `name` and records how it ended.
request_record send_one(const load_plan& plan, const std::string& name,
                        load_clock::time_point run_start) {
  request_record rec;
  rec.name = name;
  auto begin = load_clock::now();
  rec.started = duration_cast<milliseconds>(begin - run_start);
  try {
    auto resp = http_send(plan.port, json_post("/users", name_body(name)),
                          plan.client_timeout);
    rec.fate = request_fate::answered;
    rec.status = resp.status;
    rec.request_id = resp.header("X-Request-Id").value_or("");
    rec.retry_after = resp.header("Retry-After").has_value();
    if (resp.status == 201) rec.user_uuid = uuid_in(resp.body);
  } catch (const http_error& err) {
    rec.fate = classify(err);
    rec.error = err.what();
  }
  rec.latency = duration_cast<milliseconds>(load_clock::now() - begin);
  return rec;
}

} // namespace

const char* to_string(request_fate fate) {
  switch (fate) {
    case request_fate::answered: return "answered";
    case request_fate::refused: return "refused";
    case request_fate::dropped: return "dropped";
    case request_fate::hang: return "hang";
  }
  return "?";
}

load_tally tally(const std::vector<request_record>& records) {
  load_tally result;
  for (auto& rec : records) {
    ++result.sent;
    switch (rec.fate) {
      case request_fate::refused: ++result.refused; continue;
      case request_fate::dropped: ++result.dropped; continue;
      case request_fate::hang: ++result.hangs; continue;
      case request_fate::answered: break;
    }
    switch (rec.status) {
      case 201: ++result.created; break;
      case 409: ++result.conflict; break;
      case 503: ++result.unavailable; break;
      case 504: ++result.timed_out; break;
      default: ++result.other_status; break;
    }
  }
  return result;
}

load_run::load_run(load_plan plan)
  : plan_(std::move(plan)), start_(load_clock::now()) {
  for (int i = 0; i < plan_.clients; ++i)
    clients_.emplace_back([this, i] {
      client_loop(i);
    });
}

load_run::~load_run() {
  stop();
  for (auto& client : clients_)
    if (client.joinable()) client.join();
}

milliseconds load_run::offset_of(load_clock::time_point t) const {
  return duration_cast<milliseconds>(t - start_);
}

void load_run::stop() noexcept {
  stopped_ = true;
}

std::vector<request_record> load_run::wait() {
  for (auto& client : clients_)
    if (client.joinable()) client.join();
  std::lock_guard<std::mutex> guard{mtx_};
  auto result = records_;
  std::sort(result.begin(), result.end(), [](const auto& x, const auto& y) {
    return x.started < y.started;
  });
  return result;
}

std::vector<request_record> load_run::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return records_;
}

bool load_run::may_start_another() {
  if (stopped_ || load_clock::now() >= start_ + plan_.duration) return false;
  if (plan_.max_requests == 0) return true;
  // Claims a slot: exactly max_requests start, whatever the interleaving.
  return started_count_.fetch_add(1) < plan_.max_requests;
}

void load_run::client_loop(int index) {
  // Each client runs at its share of the rate; their first requests are
  // staggered so the total is even rather than in bursts.
  auto interval = duration_cast<load_clock::duration>(
    std::chrono::duration<double>(plan_.clients / plan_.requests_per_second));
  auto next = start_ + interval * index / plan_.clients;
  for (;;) {
    std::this_thread::sleep_until(next);
    if (!may_start_another()) return;
    auto rec = send_one(plan_, unique_name(plan_.label), start_);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      records_.push_back(std::move(rec));
    }
    next += interval;
    // Behind schedule (a slow answer): skip the missed slots, never burst.
    next = std::max(next, load_clock::now());
  }
}

std::optional<milliseconds> wait_for_created_after(const load_run& load,
                                                   milliseconds since,
                                                   milliseconds timeout) {
  auto deadline = load_clock::now() + timeout;
  for (;;) {
    std::optional<milliseconds> first;
    for (auto& rec : load.snapshot()) {
      if (rec.fate != request_fate::answered || rec.status != 201
          || rec.started < since)
        continue;
      auto answered = rec.started + rec.latency;
      if (!first || answered < *first) first = answered;
    }
    if (first || load_clock::now() >= deadline) return first;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
}

} // namespace semiasync::testing
