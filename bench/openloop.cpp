// semiasync_openloop: an open-loop HTTP load generator.
//
// It sends request i at start + i/R whatever happened to earlier requests
// and measures each answer from that *scheduled* time. A closed loop (wrk)
// waits for an answer before sending the next request, so a stalled server
// also stalls the load and the stall shows up as one slow request instead
// of the hundreds that queued behind it (coordinated omission).
//
// One thread, non-blocking sockets, epoll; keep-alive connections, one
// request at a time each (no pipelining). A request due while no connection
// is idle waits in a queue (counted as `queued`, and as `at_cap` when the
// pool could not grow) while a new connection opens; its latency still
// counts from its schedule. Prints one JSON object on stdout.
//
// Usage: semiasync_openloop --port=18180 --rate=1000 --duration=30
//          [--method=POST --path=/users --name-prefix=bench-x]
//          [--requests=N] [--connections=16] [--max-connections=4096]
//          [--timeout-ms=30000] [--host=127.0.0.1] [--label=text]

#include "bench/histogram.hpp"
#include "bench/http_response.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace semiasync::bench;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::nanoseconds;
using namespace std::chrono_literals;

struct options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string method = "POST";
  std::string path = "/users";
  double rate = 1000;
  double duration_s = 10;
  uint64_t requests = 0; // when set, overrides duration
  std::string name_prefix = "openloop";
  size_t connections = 16;
  size_t max_connections = 4096;
  int64_t timeout_ms = 30000;
  std::string label;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "semiasync_openloop: %s\n(see the comment at the top of "
                       "bench/openloop.cpp)\n", why.c_str());
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos)
      usage("expected --name=value, got " + arg);
    auto key = arg.substr(2, eq - 2);
    auto val = arg.substr(eq + 1);
    if (key == "host") o.host = val;
    else if (key == "port") o.port = std::stoi(val);
    else if (key == "method") o.method = val;
    else if (key == "path") o.path = val;
    else if (key == "rate") o.rate = std::stod(val);
    else if (key == "duration") o.duration_s = std::stod(val);
    else if (key == "requests") o.requests = std::stoull(val);
    else if (key == "name-prefix") o.name_prefix = val;
    else if (key == "connections") o.connections = std::stoul(val);
    else if (key == "max-connections") o.max_connections = std::stoul(val);
    else if (key == "timeout-ms") o.timeout_ms = std::stoll(val);
    else if (key == "label") o.label = val;
    else usage("unknown option --" + key);
  }
  if (o.rate <= 0) usage("--rate must be positive");
  if (o.requests == 0)
    o.requests = static_cast<uint64_t>(o.rate * o.duration_s + 0.5);
  o.connections = std::min(o.connections, o.max_connections);
  return o;
}

/// A request due (or sent) at its scheduled time.
struct job {
  uint64_t index = 0;
  time_point scheduled;
};

struct connection {
  enum class state { connecting, idle, busy };
  int fd = -1;
  state st = state::connecting;
  time_point opened;
  job current;
  time_point sent;
  std::string out;
  size_t out_done = 0;
  std::string in;
};

/// Everything counted during a run.
struct results {
  histogram from_schedule; // the coordinated-omission-free latency
  histogram from_send;     // service time as a closed loop would see it
  histogram send_lag;      // how late sends left: generator or pool limits
  std::map<int, uint64_t> statuses;
  uint64_t sent = 0, completed = 0, timeouts = 0, connect_errors = 0,
           io_errors = 0, protocol_errors = 0, queued = 0, at_cap = 0,
           opened = 0, max_open = 0;
  time_point first_send, last_send, last_answer;
  /// Scheduled but never sent because the run was interrupted.
  uint64_t unsent = 0;
  /// Sent (or queued) but unanswered when the run was interrupted.
  uint64_t abandoned = 0;
  bool interrupted = false;
};

/// Set by SIGTERM/SIGINT: the run ends early but still reports.
volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) {
  stop_requested = 1;
}

class generator {
public:
  explicit generator(options o) : opt_(std::move(o)) {
    epfd_ = epoll_create1(0);
    if (epfd_ < 0) usage(std::string{"epoll_create1: "} + std::strerror(errno));
    std::memset(&addr_, 0, sizeof(addr_));
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(static_cast<uint16_t>(opt_.port));
    if (inet_pton(AF_INET, opt_.host.c_str(), &addr_.sin_addr) != 1)
      usage("--host must be an IPv4 address");
  }

  results run() {
    // A warm pool, so the first scheduled requests do not pay for connects.
    for (size_t i = 0; i < opt_.connections; ++i) open_connection();
    auto ready_by = clock_type::now() + std::chrono::seconds{10};
    while (connecting_ > 0 && clock_type::now() < ready_by) wait_and_handle(10ms);
    start_ = clock_type::now() + std::chrono::milliseconds{20};
    const double step_ns = 1e9 / opt_.rate;
    uint64_t next = 0;
    auto last_scan = start_;
    for (;;) {
      auto now = clock_type::now();
      for (; next < opt_.requests; ++next) {
        auto due = start_ + nanoseconds{static_cast<int64_t>(next * step_ns)};
        if (due > now) break;
        schedule(job{next, due});
      }
      if (now - last_scan >= std::chrono::milliseconds{50}) {
        expire(now);
        last_scan = now;
      }
      // SIGTERM/SIGINT: stop sending, report what was measured so far.
      if (stop_requested) {
        interrupted_ = true;
        break;
      }
      bool all_scheduled = next == opt_.requests;
      if (all_scheduled && waiting_.empty() && busy_ == 0) break;
      if (all_scheduled && now > give_up_at(next)) break;
      auto wake = all_scheduled
                    ? now + std::chrono::milliseconds{50}
                    : start_ + nanoseconds{static_cast<int64_t>(next * step_ns)};
      wait_and_handle(std::min<nanoseconds>(
        std::max<nanoseconds>(wake - now, nanoseconds{0}), 50ms));
    }
    // Whatever is still out timed out, or was abandoned by an interruption.
    (interrupted_ ? res_.abandoned : res_.timeouts) += waiting_.size() + busy_;
    res_.unsent = opt_.requests - next;
    res_.interrupted = interrupted_;
    return std::move(res_);
  }

  const options& opts() const {
    return opt_;
  }

  time_point start() const {
    return start_;
  }

private:
  time_point give_up_at(uint64_t n) const {
    auto last = start_ + nanoseconds{static_cast<int64_t>(
                  (n == 0 ? 0 : n - 1) * 1e9 / opt_.rate)};
    return last + std::chrono::milliseconds{opt_.timeout_ms + 1000};
  }

  void schedule(job j) {
    if (auto* c = take_idle()) {
      send(*c, j);
      return;
    }
    ++res_.queued;
    if (open_ >= opt_.max_connections) ++res_.at_cap;
    waiting_.push_back(j);
    // One new connection per waiting request not yet covered by a connect.
    while (connecting_ < waiting_.size() && open_ < opt_.max_connections)
      if (!open_connection()) break;
  }

  connection* take_idle() {
    while (!idle_.empty()) {
      auto slot = idle_.back();
      idle_.pop_back();
      auto* c = conns_[slot].get();
      if (c && c->st == connection::state::idle) return c;
    }
    return nullptr;
  }

  /// Hands queued requests to idle connections, oldest first, and replaces
  /// connects that failed or connections the server closed meanwhile
  /// (unless connecting fails outright: then only new requests retry).
  void dispatch() {
    while (!waiting_.empty()) {
      auto* c = take_idle();
      if (!c) break;
      auto j = waiting_.front();
      waiting_.pop_front();
      send(*c, j);
    }
    if (failed_connects_ > 0) return;
    while (connecting_ < waiting_.size() && open_ < opt_.max_connections)
      if (!open_connection()) break;
  }

  bool open_connection() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ++res_.connect_errors;
      return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr_), sizeof(addr_));
    if (rc != 0 && errno != EINPROGRESS) {
      ++res_.connect_errors;
      close(fd);
      return false;
    }
    size_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = conns_.size();
      conns_.emplace_back();
    }
    conns_[slot] = std::make_unique<connection>();
    auto& c = *conns_[slot];
    c.fd = fd;
    c.st = connection::state::connecting;
    c.opened = clock_type::now();
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = slot;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    ++open_;
    ++connecting_;
    ++res_.opened;
    res_.max_open = std::max<uint64_t>(res_.max_open, open_);
    return true;
  }

  void close_connection(size_t slot) {
    auto& c = *conns_[slot];
    if (c.st == connection::state::connecting) --connecting_;
    if (c.st == connection::state::busy) --busy_;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    conns_[slot].reset();
    free_slots_.push_back(slot);
    --open_;
  }

  std::string request_bytes(uint64_t index) const {
    std::string head = opt_.method + " " + opt_.path + " HTTP/1.1\r\nHost: "
                       + opt_.host + ":" + std::to_string(opt_.port) + "\r\n";
    if (opt_.method == "GET") return head + "\r\n";
    std::string body = "{\"name\":\"" + opt_.name_prefix + "-"
                       + std::to_string(index) + "\"}";
    return head + "Content-Type: application/json\r\nContent-Length: "
           + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void send(connection& c, job j) {
    c.st = connection::state::busy;
    ++busy_;
    c.current = j;
    c.sent = clock_type::now();
    c.out = request_bytes(j.index);
    c.out_done = 0;
    ++res_.sent;
    if (res_.sent == 1) res_.first_send = c.sent;
    res_.last_send = c.sent;
    res_.send_lag.record(micros(c.sent - j.scheduled));
    flush(c);
  }

  void flush(connection& c) {
    while (c.out_done < c.out.size()) {
      auto n = ::send(c.fd, c.out.data() + c.out_done,
                      c.out.size() - c.out_done, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return; // The read side reports the failure.
    }
  }

  static uint64_t micros(nanoseconds d) {
    return static_cast<uint64_t>(
      std::max<int64_t>(0, duration_cast<microseconds>(d).count()));
  }

  void wait_and_handle(nanoseconds timeout) {
    epoll_event events[256];
    timespec ts{static_cast<time_t>(timeout.count() / 1000000000),
                static_cast<long>(timeout.count() % 1000000000)};
    int n = epoll_pwait2(epfd_, events, 256, &ts, nullptr);
    for (int i = 0; i < n; ++i) handle(events[i].data.u64, events[i].events);
    dispatch();
  }

  void handle(size_t slot, uint32_t events) {
    auto* c = slot < conns_.size() ? conns_[slot].get() : nullptr;
    if (!c) return;
    if (c->st == connection::state::connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
        ++res_.connect_errors;
        ++failed_connects_;
        close_connection(slot);
        return;
      }
      if (!(events & EPOLLOUT)) return;
      failed_connects_ = 0;
      --connecting_;
      c->st = connection::state::idle;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = slot;
      epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
      idle_.push_back(slot);
      return;
    }
    if (events & EPOLLOUT) flush(*c);
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) receive(slot, *c);
  }

  void receive(size_t slot, connection& c) {
    char buf[16384];
    for (;;) {
      auto n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // EOF or reset: an idle keep-alive connection the server let go is
      // no loss; a request waiting on it is.
      if (c.st == connection::state::busy) ++res_.io_errors;
      close_connection(slot);
      return;
    }
    if (c.st != connection::state::busy) {
      c.in.clear(); // Nothing is expected on an idle connection.
      return;
    }
    auto parsed = parse_response(c.in);
    if (parsed.result == parsed_response::kind::incomplete) {
      // Writes that hit a full socket buffer resume on EPOLLOUT.
      if (c.out_done < c.out.size()) want_write(slot, c);
      return;
    }
    if (parsed.result == parsed_response::kind::malformed) {
      ++res_.protocol_errors;
      close_connection(slot);
      return;
    }
    auto now = clock_type::now();
    res_.from_schedule.record(micros(now - c.current.scheduled));
    res_.from_send.record(micros(now - c.sent));
    ++res_.statuses[parsed.status];
    ++res_.completed;
    res_.last_answer = now;
    c.in.erase(0, parsed.length);
    --busy_;
    if (parsed.closes) {
      c.st = connection::state::idle; // so close_connection counts nothing
      close_connection(slot);
      return;
    }
    c.st = connection::state::idle;
    idle_.push_back(slot);
  }

  void want_write(size_t slot, connection& c) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = slot;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  /// Gives up on requests older than the timeout, counted from schedule.
  void expire(time_point now) {
    auto limit = std::chrono::milliseconds{opt_.timeout_ms};
    while (!waiting_.empty() && now - waiting_.front().scheduled > limit) {
      ++res_.timeouts;
      waiting_.pop_front();
    }
    for (size_t slot = 0; slot < conns_.size(); ++slot) {
      auto* c = conns_[slot].get();
      if (!c) continue;
      if (c->st == connection::state::busy
          && now - c->current.scheduled > limit) {
        ++res_.timeouts;
        close_connection(slot);
      } else if (c->st == connection::state::connecting
                 && now - c->opened > limit) {
        ++res_.connect_errors;
        close_connection(slot);
      }
    }
  }

  options opt_;
  int epfd_ = -1;
  sockaddr_in addr_;
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<size_t> free_slots_;
  std::vector<size_t> idle_;
  std::deque<job> waiting_;
  size_t open_ = 0, connecting_ = 0, busy_ = 0;
  /// Connect failures since the last success.
  uint64_t failed_connects_ = 0;
  bool interrupted_ = false;
  time_point start_;
  results res_;

};

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
  }
  return out;
}

void print_json(const options& o, const results& r, time_point start) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
             + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::string statuses;
  for (auto& [code, n] : r.statuses)
    statuses += (statuses.empty() ? "" : ",") + std::string{"\""}
                + std::to_string(code) + "\":" + std::to_string(n);
  auto send_span = r.sent > 1 ? seconds(r.last_send - r.first_send) : 0.0;
  std::printf(
    "{\"tool\":\"openloop\",\"label\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
    "\"offered_rate\":%.1f,\"scheduled\":%llu,\"sent\":%llu,"
    "\"achieved_send_rate\":%.1f,\"completed\":%llu,\"statuses\":{%s},"
    "\"timeouts\":%llu,\"connect_errors\":%llu,\"io_errors\":%llu,"
    "\"protocol_errors\":%llu,\"queued\":%llu,\"at_cap\":%llu,"
    "\"connections_opened\":%llu,\"connections_max\":%llu,"
    "\"max_connections\":%zu,\"timeout_ms\":%lld,\"wall_s\":%.3f,"
    "\"generator_cpu_s\":%.3f,\"latency_ms\":%s,\"service_ms\":%s,"
    "\"send_lag_ms\":%s,\"unsent\":%llu,\"abandoned\":%llu,\"interrupted\":%s}\n",
    json_escape(o.label).c_str(), o.method.c_str(),
    json_escape(o.path).c_str(), o.rate,
    static_cast<unsigned long long>(o.requests),
    static_cast<unsigned long long>(r.sent),
    send_span > 0 ? static_cast<double>(r.sent - 1) / send_span : 0.0,
    static_cast<unsigned long long>(r.completed), statuses.c_str(),
    static_cast<unsigned long long>(r.timeouts),
    static_cast<unsigned long long>(r.connect_errors),
    static_cast<unsigned long long>(r.io_errors),
    static_cast<unsigned long long>(r.protocol_errors),
    static_cast<unsigned long long>(r.queued),
    static_cast<unsigned long long>(r.at_cap),
    static_cast<unsigned long long>(r.opened),
    static_cast<unsigned long long>(r.max_open), o.max_connections,
    static_cast<long long>(o.timeout_ms),
    seconds(clock_type::now() - start), cpu,
    to_json_ms(r.from_schedule).c_str(), to_json_ms(r.from_send).c_str(),
    to_json_ms(r.send_lag).c_str(), static_cast<unsigned long long>(r.unsent),
    static_cast<unsigned long long>(r.abandoned),
    r.interrupted ? "true" : "false");
  std::fflush(stdout);
}

/// Up to the hard limit: a pool of thousands of connections needs the fds.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  raise_fd_limit();
  std::signal(SIGTERM, request_stop);
  std::signal(SIGINT, request_stop);
  generator gen{opt};
  auto res = gen.run();
  std::fprintf(stderr,
               "openloop %s: %.0f/s x %llu: sent %llu, completed %llu, "
               "timeouts %llu, errors %llu, p50 %.2f ms, p99 %.2f ms, "
               "max %.2f ms, queued %llu\n",
               opt.label.c_str(), opt.rate,
               static_cast<unsigned long long>(opt.requests),
               static_cast<unsigned long long>(res.sent),
               static_cast<unsigned long long>(res.completed),
               static_cast<unsigned long long>(res.timeouts),
               static_cast<unsigned long long>(
                 res.connect_errors + res.io_errors + res.protocol_errors),
               res.from_schedule.percentile(50) / 1000.0,
               res.from_schedule.percentile(99) / 1000.0,
               res.from_schedule.max() / 1000.0,
               static_cast<unsigned long long>(res.queued));
  print_json(opt, res, gen.start());
  return 0;
}
