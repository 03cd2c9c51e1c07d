// Log lines written inside a span name its trace and span: stderr is
// redirected into a pipe for the duration of each check.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unistd.h>

#include "tracing/trace_log.hpp"

using namespace semiasync;
using namespace semiasync::tracing;

namespace {

/// Redirects file descriptor 2 into a pipe until `take` (or destruction)
/// puts the real stderr back. The log writes a line with one `write`, far
/// below the pipe's buffer, so nothing blocks while captured.
class stderr_capture {
public:
  stderr_capture() {
    REQUIRE(::pipe(pipe_) == 0);
    saved_ = ::dup(STDERR_FILENO);
    REQUIRE(saved_ >= 0);
    REQUIRE(::dup2(pipe_[1], STDERR_FILENO) >= 0);
  }

  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;

  ~stderr_capture() {
    restore();
    if (pipe_[0] >= 0) ::close(pipe_[0]);
  }

  /// Restores stderr and returns everything written meanwhile.
  std::string take() {
    restore();
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe_[0], buffer, sizeof(buffer))) > 0)
      text.append(buffer, static_cast<size_t>(n));
    return text;
  }

private:
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
    // With the last write end closed, reading stops at what was written.
    ::close(pipe_[1]);
    pipe_[1] = -1;
  }

  int pipe_[2] = {-1, -1};
  int saved_ = -1;
};

/// The one JSON line `log_in` writes for these arguments.
nlohmann::json line_of(const std::optional<span_context>& span,
                       std::string_view request_id = {}) {
  stderr_capture capture;
  log_in(span, log_level::warn, "worker", "dead-lettering requests/0@7",
         request_id);
  auto text = capture.take();
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  CHECK(text.find('\n') == text.size() - 1);
  auto line = nlohmann::json::parse(text, nullptr, false);
  REQUIRE(line.is_object());
  CHECK(line["level"] == "warn");
  CHECK(line["component"] == "worker");
  CHECK(line["msg"] == "dead-lettering requests/0@7");
  return line;
}

const std::string trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string span_hex = "00f067aa0ba902b7";

} // namespace

TEST_CASE("tracing: a line logged inside a span names its trace and span") {
  auto span = parse_traceparent("00-" + trace_hex + "-" + span_hex + "-01");
  REQUIRE(span);
  auto line = line_of(span, "0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(line["traceId"] == trace_hex);
  CHECK(line["spanId"] == span_hex);
  CHECK(line["requestId"] == "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST_CASE("tracing: an unsampled span still names itself in the log") {
  // Its trace goes on downstream; the log line lets a search find it.
  auto span = parse_traceparent("00-" + trace_hex + "-" + span_hex + "-00");
  REQUIRE(span);
  auto line = line_of(span);
  CHECK(line["traceId"] == trace_hex);
  CHECK(line["spanId"] == span_hex);
  CHECK_FALSE(line.contains("requestId"));
}

TEST_CASE("tracing: a line logged outside a span has no trace fields") {
  SECTION("no span") {
    auto line = line_of(std::nullopt, "0f8fad5b-d9cb-469f-a165-70867728950e");
    CHECK_FALSE(line.contains("traceId"));
    CHECK_FALSE(line.contains("spanId"));
    CHECK(line["requestId"] == "0f8fad5b-d9cb-469f-a165-70867728950e");
  }
  SECTION("an invalid span") {
    auto line = line_of(span_context{});
    CHECK_FALSE(line.contains("traceId"));
    CHECK_FALSE(line.contains("spanId"));
  }
}
