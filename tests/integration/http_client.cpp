#include "tests/integration/http_client.hpp"

#include "domain/ascii_text.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace semiasync::testing {

namespace {

using clock_type = std::chrono::steady_clock;

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return std::string{text.substr(first, last - first + 1)};
}

/// Closes the socket on every path.
class socket_guard {
public:
  socket_guard() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0)
      throw http_error(std::string{"socket: "} + std::strerror(errno));
  }

  ~socket_guard() {
    ::close(fd_);
  }

  socket_guard(const socket_guard&) = delete;
  socket_guard& operator=(const socket_guard&) = delete;

  int get() const noexcept {
    return fd_;
  }

private:
  int fd_;
};

/// Waits until `fd` is ready for `events` or the deadline passes.
void await(int fd, short events, clock_type::time_point deadline,
           const char* what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    if (left.count() <= 0)
      throw http_error(std::string{"timeout while "} + what);
    pollfd pfd{fd, events, 0};
    auto rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc > 0) return;
    if (rc < 0 && errno != EINTR)
      throw http_error(std::string{"poll: "} + std::strerror(errno));
  }
}

void connect_to(int fd, uint16_t port, clock_type::time_point deadline) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0)
    return;
  if (errno != EINPROGRESS)
    throw http_error("connect to port " + std::to_string(port) + ": "
                     + std::strerror(errno));
  await(fd, POLLOUT, deadline, "connecting");
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0)
    throw http_error("connect to port " + std::to_string(port) + ": "
                     + std::strerror(err));
}

void send_all(int fd, std::string_view data, clock_type::time_point deadline) {
  while (!data.empty()) {
    auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      await(fd, POLLOUT, deadline, "sending");
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      // The server may answer early (e.g. 413) and close: read what it said.
      return;
    }
  }
}

/// Appends what arrives to `buf`; false at end of stream.
bool receive_some(int fd, std::string& buf, clock_type::time_point deadline) {
  char chunk[16384];
  for (;;) {
    auto n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      await(fd, POLLIN, deadline, "reading the response");
    else if (errno == ECONNRESET)
      return false;
    else if (errno != EINTR)
      throw http_error(std::string{"recv: "} + std::strerror(errno));
  }
}

http_response parse_head(std::string_view head) {
  http_response result;
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  // "HTTP/1.1 201 Created"
  auto first_space = status_line.find(' ');
  if (status_line.rfind("HTTP/1.", 0) != 0 || first_space == std::string::npos)
    throw http_error("bad status line: " + std::string{status_line});
  try {
    result.status
      = std::stoi(std::string{status_line.substr(first_space + 1, 3)});
  } catch (const std::exception&) {
    throw http_error("bad status line: " + std::string{status_line});
  }
  while (line_end != std::string_view::npos) {
    auto start = line_end + 2;
    line_end = head.find("\r\n", start);
    auto line = head.substr(start, line_end == std::string_view::npos
                                     ? std::string_view::npos
                                     : line_end - start);
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      throw http_error("bad header line: " + std::string{line});
    result.headers.emplace_back(trim(line.substr(0, colon)),
                                trim(line.substr(colon + 1)));
  }
  return result;
}

} // namespace

std::optional<std::string> http_response::header(std::string_view name) const {
  for (auto& [key, value] : headers)
    if (equals_ignoring_ascii_case(key, name)) return value;
  return std::nullopt;
}

http_response http_send(uint16_t port, const http_request& req,
                        std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  socket_guard sock;
  int fd = sock.get();
  connect_to(fd, port, deadline);
  std::string text = req.method + " " + req.path + " HTTP/1.1\r\n";
  text += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  text += "Connection: close\r\n";
  if (!req.body.empty() || req.method == "POST")
    text += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  for (auto& [name, value] : req.headers)
    text += name + ": " + value + "\r\n";
  text += "\r\n";
  text += req.body;
  send_all(fd, text, deadline);

  std::string buf;
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!receive_some(fd, buf, deadline))
      throw http_error(buf.empty() ? "connection closed without a response"
                                   : "connection closed inside the head");
  auto result = parse_head(std::string_view{buf}.substr(0, head_end));
  auto body_start = head_end + 4;
  if (auto te = result.header("Transfer-Encoding");
      te && !equals_ignoring_ascii_case(*te, "identity"))
    throw http_error("unsupported Transfer-Encoding: " + *te);
  if (req.method == "HEAD") {
    // A HEAD answer has no body whatever its Content-Length says: whatever
    // arrives before the close is kept, so a test can see a stray body.
    while (receive_some(fd, buf, deadline)) {
      // keep reading
    }
    result.body = buf.substr(body_start);
  } else if (auto length = result.header("Content-Length")) {
    size_t expected = 0;
    try {
      expected = std::stoul(*length);
    } catch (const std::exception&) {
      throw http_error("bad Content-Length: " + *length);
    }
    while (buf.size() - body_start < expected)
      if (!receive_some(fd, buf, deadline))
        throw http_error("connection closed inside the body");
    result.body = buf.substr(body_start, expected);
  } else {
    // No length: the body runs to the end of the connection.
    while (receive_some(fd, buf, deadline)) {
      // keep reading
    }
    result.body = buf.substr(body_start);
  }
  return result;
}

std::optional<http_response> try_http_send(uint16_t port,
                                           const http_request& req,
                                           std::chrono::milliseconds timeout) {
  try {
    return http_send(port, req, timeout);
  } catch (const http_error&) {
    return std::nullopt;
  }
}

http_request json_post(std::string path, std::string body,
                       http_headers headers) {
  headers.emplace_back("Content-Type", "application/json");
  return {"POST", std::move(path), std::move(headers), std::move(body)};
}

} // namespace semiasync::testing
