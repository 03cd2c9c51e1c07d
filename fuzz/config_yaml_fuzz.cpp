// Fuzzes the YAML config loader (config/load.hpp): the input is the content
// of the --config file. The loader reads files only, so the input goes to an
// in-memory file (memfd) named by its /proc/self/fd path; no disk I/O and no
// change to the loader for fuzzing's sake. The environment is empty.
//
// Checks: load() never throws (its contract), and settings it accepts pass
// the consistency rules.

#include "config/load.hpp"
#include "config/setting_table.hpp"

#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <variant>

#include "fuzz/text_input.hpp"

namespace {

/// The in-memory config file, created once per process.
int config_fd() {
  static const int fd = [] {
    int created = memfd_create("semiasync-fuzz-config", 0);
    SEMIASYNC_FUZZ_CHECK(created >= 0);
    return created;
  }();
  return fd;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace semiasync::config;
  int fd = config_fd();
  SEMIASYNC_FUZZ_CHECK(ftruncate(fd, 0) == 0);
  size_t written = 0;
  while (written < size) {
    auto n
      = pwrite(fd, data + written, size - written, static_cast<off_t>(written));
    SEMIASYNC_FUZZ_CHECK(n > 0);
    written += static_cast<size_t>(n);
  }
  static const std::string flag
    = "--config=/proc/self/fd/" + std::to_string(fd);
  env_lookup no_environment = [](const std::string&) {
    return std::optional<std::string>{};
  };

  auto loaded = load({"server", flag}, no_environment);

  if (auto* result = std::get_if<load_result>(&loaded)) {
    SEMIASYNC_FUZZ_CHECK(!result->help);
    SEMIASYNC_FUZZ_CHECK(!check_consistency(result->values));
  } else {
    SEMIASYNC_FUZZ_CHECK(!std::get<load_error>(loaded).message.empty());
  }
  return 0;
}
