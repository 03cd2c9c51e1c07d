// Fuzzes what the server does with a record of the outcome topic, which any
// producer can write to: decode_outcome and salvage_request_id
// (kafka/wire_codec.hpp), then the answer the waiting client would get
// (http/answer.hpp). Input: a record, see wire_record.hpp.
//
// Checks: a decoded outcome names a canonical request ID, salvage agrees,
// it re-encodes to itself, and its answer is a well-formed HTTP answer.

#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "kafka/wire_codec.hpp"
#include "http/answer.hpp"

#include <nlohmann/json.hpp>

#include "fuzz/wire_record.hpp"

namespace {

using namespace semiasync;

void check_answer(const http::answer& a) {
  SEMIASYNC_FUZZ_CHECK(a.status >= 200 && a.status <= 599);
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  SEMIASYNC_FUZZ_CHECK(body.is_object());
  for (const auto& [name, value] : a.headers) {
    // A header value with a line break would split the HTTP answer.
    SEMIASYNC_FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    SEMIASYNC_FUZZ_CHECK(!name.empty());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto msg = fuzz::wire_message_from(data, size);
  auto decoded = decode_outcome(msg);
  auto salvaged = salvage_request_id(msg);
  if (salvaged) SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(salvaged->value));
  if (!decoded) {
    SEMIASYNC_FUZZ_CHECK(code_of(decoded.error())
                         == error_code::malformed_record);
    return 0;
  }
  const auto& id = request_of(*decoded);
  SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(id.value));
  SEMIASYNC_FUZZ_CHECK(salvaged && *salvaged == id);
  if (auto* created = std::get_if<user_created>(&*decoded))
    SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(created->user.value));

  auto again = decode_outcome(encode_outcome(*decoded));
  SEMIASYNC_FUZZ_CHECK(again);
  SEMIASYNC_FUZZ_CHECK(*again == *decoded);

  caf::expected<outcome> result{*decoded};
  check_answer(http::answer_for(result, id));
  check_answer(http::answer_async(result, id));
  return 0;
}
