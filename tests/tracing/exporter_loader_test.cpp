// The exporter plugin, loaded the way a process that traces loads it, and
// exporting to a collector that takes connections but never answers: the
// stop must not wait once per queued batch.

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>

#include "tracing/exporter_loader.hpp"

using namespace semiasync::tracing;
using namespace std::chrono_literals;

namespace {

/// A loopback port whose connections the kernel completes (the backlog)
/// but nobody reads: every export waits for its timeout.
class silent_collector {
public:
  silent_collector() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }

  silent_collector(const silent_collector&) = delete;
  silent_collector& operator=(const silent_collector&) = delete;

  ~silent_collector() {
    ::close(fd_);
  }

  /// Its traces URL.
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces";
  }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

tracing_options options_for(const std::string& url,
                            std::chrono::milliseconds timeout) {
  tracing_options options;
  options.endpoint = url;
  options.service_name = "semiasync-test";
  options.export_timeout = timeout;
  return options;
}

} // namespace

TEST_CASE("tracing: the exporter plugin loads and exports as a tracer") {
  silent_collector collector;
  auto loaded = load_exporting_tracer(options_for(collector.url(), 200ms),
                                      [](bool, std::string_view) {});
  auto* why = std::get_if<std::string>(&loaded);
  INFO((why ? *why : std::string{}));
  REQUIRE(why == nullptr);
  auto exporting = std::get<std::shared_ptr<tracer>>(std::move(loaded));
  REQUIRE(exporting != nullptr);
  auto span = exporting->start({.name = "probe",
                                .kind = span_kind::internal,
                                .parent = std::nullopt,
                                .attributes = {},
                                .links = {},
                                .started = std::nullopt});
  CHECK(span->context().valid());
  CHECK(span->context().sampled());
  span->end();
}

TEST_CASE("tracing: a stopping process waits about one export timeout for "
          "a collector that never answers, whatever is queued") {
  silent_collector collector;
  constexpr auto timeout = 500ms;
  auto loaded = load_exporting_tracer(options_for(collector.url(), timeout),
                                      [](bool, std::string_view) {});
  REQUIRE(std::holds_alternative<std::shared_ptr<tracer>>(loaded));
  auto exporting = std::get<std::shared_ptr<tracer>>(std::move(loaded));
  // Ten of the SDK's default batches (512): drained a batch at a time,
  // the stop would wait ten timeouts.
  for (int i = 0; i < 5120; ++i)
    exporting
      ->start({.name = "queued",
               .kind = span_kind::internal,
               .parent = std::nullopt,
               .attributes = {},
               .links = {},
               .started = std::nullopt})
      ->end();
  auto before = std::chrono::steady_clock::now();
  exporting.reset();
  auto took = std::chrono::steady_clock::now() - before;
  // One export's timeout, and one more for spans a running export left;
  // ten would be 5 s.
  CHECK(took < 6 * timeout);
}
