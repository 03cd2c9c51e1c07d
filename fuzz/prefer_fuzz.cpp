// Fuzzes the `Prefer` header parser (http/prefer.hpp): the whole input is
// the header's value. Checks the deadline it leads to stays within what the
// server allows, and that an empty preference appended changes nothing
// (RFC 7240: empty and unknown preferences are ignored).

#include "http/prefer.hpp"

#include <chrono>
#include <string>

#include "fuzz/text_input.hpp"

using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace semiasync::http;
  std::string_view header{reinterpret_cast<const char*>(data), size};
  constexpr std::chrono::milliseconds reply_timeout = 5000ms;
  constexpr std::chrono::milliseconds max_wait = 30000ms;

  auto prefs = parse_prefer(header);
  if (prefs.wait) {
    SEMIASYNC_FUZZ_CHECK(*prefs.wait >= 0s);
    SEMIASYNC_FUZZ_CHECK(*prefs.wait <= 24h);
  }
  auto deadline = request_deadline(prefs, reply_timeout, max_wait);
  SEMIASYNC_FUZZ_CHECK(deadline >= 0ms);
  SEMIASYNC_FUZZ_CHECK(deadline <= max_wait || deadline == reply_timeout);
  if (!prefs.wait)
    SEMIASYNC_FUZZ_CHECK(deadline
                         == (prefs.respond_async ? 0ms : reply_timeout));

  auto again = parse_prefer(std::string{header} + ",");
  SEMIASYNC_FUZZ_CHECK(again.respond_async == prefs.respond_async);
  SEMIASYNC_FUZZ_CHECK(again.wait == prefs.wait);
  return 0;
}
