#include "tests/hostile/raw_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds until(clock_type::time_point deadline) {
  return std::max(milliseconds{0}, std::chrono::duration_cast<milliseconds>(
                                     deadline - clock_type::now()));
}

/// Polls `fd` for `events`; the revents, 0 on timeout.
short wait_for(int fd, short events, milliseconds timeout) {
  pollfd pfd{fd, events, 0};
  for (;;) {
    auto rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (rc > 0) return pfd.revents;
    if (rc == 0) return 0;
    if (errno != EINTR)
      throw http_error(std::string{"poll: "} + std::strerror(errno));
  }
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return std::string{text.substr(first, last - first + 1)};
}

/// Parses a response head (status line and fields, without the blank
/// line); nothing when it is not HTTP.
std::optional<http_response> parse_head(std::string_view head) {
  http_response result;
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12)
    return std::nullopt;
  auto code = status_line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }))
    return std::nullopt;
  result.status = std::stoi(std::string{code});
  while (line_end != std::string_view::npos) {
    auto start = line_end + 2;
    line_end = head.find("\r\n", start);
    auto line = head.substr(start, line_end == std::string_view::npos
                                     ? std::string_view::npos
                                     : line_end - start);
    auto colon = line.find(':');
    if (line.empty() || colon == std::string_view::npos) continue;
    result.headers.emplace_back(trim(line.substr(0, colon)),
                                trim(line.substr(colon + 1)));
  }
  return result;
}

} // namespace

raw_connection::raw_connection(uint16_t port, milliseconds timeout,
                               int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw http_error(std::string{"socket: "} + std::strerror(errno));
  // Before connecting: the window scale is agreed in the handshake.
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                 sizeof(receive_buffer));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto fail = [&](int err) {
    ::close(fd_);
    fd_ = -1;
    throw http_error("connect to port " + std::to_string(port) + ": "
                     + std::strerror(err));
  };
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) fail(errno);
    if (wait_for(fd_, POLLOUT, timeout) == 0) fail(ETIMEDOUT);
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) fail(err);
  }
  connected_at_ = clock_type::now();
}

raw_connection::~raw_connection() {
  close();
}

void raw_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

milliseconds raw_connection::age() const {
  return std::chrono::duration_cast<milliseconds>(clock_type::now()
                                                  - connected_at_);
}

void raw_connection::mark_closed() {
  if (!closed_after_) closed_after_ = age();
}

bool raw_connection::send(std::string_view bytes, milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!bytes.empty() && fd_ >= 0 && !closed_after_) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (until(deadline).count() == 0) return false;
      // The server may answer (413) or close while we still send.
      auto ready
        = wait_for(fd_, POLLOUT | POLLIN, std::min(until(deadline), 50ms));
      if (ready & (POLLIN | POLLHUP | POLLERR)) receive_once(0ms);
      continue;
    }
    // EPIPE or ECONNRESET: the server is gone. Collect what it said first.
    auto drained = clock_type::now() + 1s;
    while (until(drained).count() > 0 && receive_once(until(drained))) {
      // keep reading until the close shows
    }
    mark_closed();
    return false;
  }
  return bytes.empty() && !closed_after_;
}

bool raw_connection::send_paced(std::string_view bytes, size_t chunk,
                                milliseconds pause) {
  while (!bytes.empty()) {
    auto piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    if (!send(piece)) return false;
    // Watch the connection while pausing: a close ends the trickle.
    auto deadline = clock_type::now() + pause;
    while (until(deadline).count() > 0)
      if (!receive_once(until(deadline))) return false;
  }
  return true;
}

bool raw_connection::receive_once(milliseconds timeout) {
  if (fd_ < 0 || closed_after_) return false;
  if (timeout.count() > 0 && wait_for(fd_, POLLIN, timeout) == 0) return true;
  char chunk[65536];
  for (;;) {
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      parse_responses();
      return true;
    }
    // 0: FIN; otherwise ECONNRESET (the server closed with unread input).
    parse_responses();
    mark_closed();
    return false;
  }
}

void raw_connection::parse_responses() {
  for (;;) {
    auto head_end = buffer_.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    auto head = parse_head(std::string_view{buffer_}.substr(0, head_end));
    if (!head) return; // not HTTP: left in pending_bytes() for messages
    size_t length = 0;
    if (auto text = head->header("Content-Length")) {
      try {
        length = std::stoul(*text);
      } catch (const std::exception&) {
        return;
      }
    }
    auto body_start = head_end + 4;
    if (buffer_.size() - body_start < length) return;
    head->body = buffer_.substr(body_start, length);
    responses_.push_back(std::move(*head));
    buffer_.erase(0, body_start + length);
  }
}

bool raw_connection::wait_for_hang_up(milliseconds timeout) {
  if (fd_ < 0) return false;
  if (closed_after_) return true;
  // POLLRDHUP: the peer's FIN, reported even with unread data pending.
  return (wait_for(fd_, POLLRDHUP, timeout) & (POLLRDHUP | POLLHUP | POLLERR))
         != 0;
}

void raw_connection::read_responses(size_t count, milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  parse_responses();
  while (responses_.size() < count && until(deadline).count() > 0)
    if (!receive_once(until(deadline))) return;
}

bool raw_connection::read_until_closed(milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (until(deadline).count() > 0)
    if (!receive_once(until(deadline))) break;
  return closed_after_.has_value();
}

std::string raw_connection::describe() const {
  std::string text;
  if (!responses_.empty()) {
    text
      = "got " + std::to_string(responses_.size()) + " response(s) with status";
    for (size_t i = 0; i < responses_.size() && i < 5; ++i)
      text += " " + std::to_string(responses_[i].status);
    if (responses_.size() > 5) text += " ...";
    text += "; ";
  }
  if (closed_after_)
    text += "closed by server after " + std::to_string(closed_after_->count())
            + " ms";
  else
    text += "still open after " + std::to_string(age().count()) + " ms";
  if (!buffer_.empty())
    text += "; " + std::to_string(buffer_.size())
            + " unparsed bytes: " + buffer_.substr(0, 200);
  return text;
}

} // namespace semiasync::testing
