#include "tests/faults/lookup_flood.hpp"

#include "domain/ascii_text.hpp"
#include "domain/uuid.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::testing {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// How often the loop looks at deadlines and waves while nothing happens.
constexpr int poll_interval_ms = 10;

/// One GET under way.
struct connection {
  enum class phase { connecting, sending, receiving };

  int fd = -1;
  size_t index = 0;
  phase state = phase::connecting;
  std::string out;
  size_t sent = 0;
  std::string in;
  load_clock::time_point started;
};

/// Fills `rec` from the bytes of `in` when they hold a whole response
/// (head, and as many body bytes as Content-Length says); false otherwise.
/// With `at_end`, a head without Content-Length takes the rest as body.
bool parse_complete(const std::string& in, bool at_end, lookup_record& rec) {
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::string_view head{in.data(), head_end};
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  // "HTTP/1.1 503 Service Unavailable"
  auto space = status_line.find(' ');
  if (space == std::string_view::npos) return false;
  int status = std::atoi(std::string{status_line.substr(space + 1, 3)}.c_str());
  std::optional<size_t> length;
  std::string content_type;
  bool retry_after = false;
  auto rest = line_end == std::string_view::npos ? std::string_view{}
                                                 : head.substr(line_end + 2);
  while (!rest.empty()) {
    auto end = rest.find("\r\n");
    auto line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{}
                                         : rest.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto name = trim_blanks(line.substr(0, colon));
    auto value = trim_blanks(line.substr(colon + 1));
    if (equals_ignoring_ascii_case(name, "Content-Length"))
      length = std::strtoul(std::string{value}.c_str(), nullptr, 10);
    else if (equals_ignoring_ascii_case(name, "Content-Type"))
      content_type = std::string{value};
    else if (equals_ignoring_ascii_case(name, "Retry-After"))
      retry_after = true;
  }
  auto body_start = head_end + 4;
  if (length ? in.size() - body_start < *length : !at_end) return false;
  rec.fate = request_fate::answered;
  rec.status = status;
  rec.content_type = std::move(content_type);
  rec.retry_after = retry_after;
  rec.body = in.substr(body_start, length.value_or(std::string::npos));
  return true;
}

/// Starts connecting for `conn`; false (with `rec` filled) when that
/// failed at once.
bool start(connection& conn, uint16_t port, lookup_record& rec) {
  conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (conn.fd < 0) {
    rec.fate = request_fate::dropped;
    rec.error = std::string{"socket: "} + std::strerror(errno);
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(conn.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      || errno == EINPROGRESS)
    return true;
  rec.fate = request_fate::refused;
  rec.error = std::string{"connect: "} + std::strerror(errno);
  ::close(conn.fd);
  conn.fd = -1;
  return false;
}

/// Moves `conn` on after poll reported `events`; true when it ended (its
/// record is filled then).
bool advance(connection& conn, short events, lookup_record& rec) {
  if (conn.state == connection::phase::connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      rec.fate
        = err == ECONNREFUSED ? request_fate::refused : request_fate::dropped;
      rec.error = std::string{"connect: "} + std::strerror(err);
      return true;
    }
    conn.state = connection::phase::sending;
  }
  if (conn.state == connection::phase::sending) {
    auto n = ::send(conn.fd, conn.out.data() + conn.sent,
                    conn.out.size() - conn.sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    if (n < 0) {
      rec.fate = request_fate::dropped;
      rec.error = std::string{"send: "} + std::strerror(errno);
      return true;
    }
    conn.sent += static_cast<size_t>(n);
    if (conn.sent == conn.out.size()) conn.state = connection::phase::receiving;
    return false;
  }
  if ((events & (POLLIN | POLLHUP | POLLERR)) == 0) return false;
  char buf[16384];
  auto n = ::recv(conn.fd, buf, sizeof(buf), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n > 0) {
    conn.in.append(buf, static_cast<size_t>(n));
    return parse_complete(conn.in, false, rec);
  }
  if (parse_complete(conn.in, true, rec)) return true;
  rec.fate = request_fate::dropped;
  rec.error = n == 0 ? "closed without a complete response"
                     : std::string{"recv: "} + std::strerror(errno);
  return true;
}

} // namespace

std::vector<std::string> unknown_lookup_paths(size_t count) {
  std::vector<std::string> result;
  result.reserve(count);
  for (size_t i = 0; i < count; ++i)
    result.push_back((i % 2 == 0 ? "/users/" : "/requests/") + random_uuid());
  return result;
}

std::vector<lookup_record> flood_lookups(const flood_plan& plan) {
  std::vector<lookup_record> records(plan.paths.size());
  std::vector<connection> active;
  std::vector<pollfd> fds;
  size_t next = 0;
  auto next_wave = load_clock::now();
  auto finish = [&](connection& conn) {
    auto& rec = records[conn.index];
    rec.latency = duration_cast<milliseconds>(load_clock::now() - conn.started);
    if (conn.fd >= 0) ::close(conn.fd);
    conn.fd = -1;
  };
  while (next < plan.paths.size() || !active.empty()) {
    auto now = load_clock::now();
    if (next < plan.paths.size() && now >= next_wave) {
      for (size_t k = 0; k < plan.wave_size && next < plan.paths.size();
           ++k, ++next) {
        connection conn;
        conn.index = next;
        conn.started = load_clock::now();
        records[next].path = plan.paths[next];
        conn.out = "GET " + plan.paths[next]
                   + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(plan.port)
                   + "\r\nConnection: close\r\n\r\n";
        if (start(conn, plan.port, records[next]))
          active.push_back(std::move(conn));
        else
          finish(conn);
      }
      next_wave += plan.wave_interval;
    }
    fds.clear();
    for (auto& conn : active)
      fds.push_back(
        {conn.fd,
         static_cast<short>(
           conn.state == connection::phase::receiving ? POLLIN : POLLOUT),
         0});
    ::poll(fds.data(), fds.size(), poll_interval_ms);
    now = load_clock::now();
    // Backwards, so removing one leaves the indexes still to visit valid.
    for (size_t i = active.size(); i-- > 0;) {
      auto& conn = active[i];
      auto& rec = records[conn.index];
      bool ended = fds[i].revents != 0 && advance(conn, fds[i].revents, rec);
      if (!ended && now - conn.started > plan.timeout) {
        rec.fate = request_fate::hang;
        rec.error = "no complete answer within "
                    + std::to_string(plan.timeout.count()) + " ms";
        ended = true;
      }
      if (!ended) continue;
      finish(conn);
      active[i] = std::move(active.back());
      active.pop_back();
    }
  }
  return records;
}

} // namespace semiasync::testing
