// Fuzzes the create-user HTTP input: the JSON body, `Idempotency-Key` and
// `Content-Type` as a client sends them (http/create_user_input.hpp).
// Input: see text_input.hpp; the first line is ignored (write the request
// line there), headers are matched case-insensitively, the first wins.
//
// Beyond "no crash, no UB, no leak" it checks what the server relies on: an
// accepted request has a valid name and a canonical request ID (the key's
// UUIDv5 when a key was given), the worker can decode the request the server
// would publish for it, and a rejection is a 400/413/415 problem+json
// naming a canonical request ID.

#include "domain/ascii_text.hpp"
#include "domain/error.hpp"
#include "domain/user_name_rules.hpp"
#include "domain/uuid.hpp"
#include "http/answer.hpp"
#include "http/create_user_input.hpp"
#include "kafka/wire_codec.hpp"

#include <nlohmann/json.hpp>

#include "fuzz/text_input.hpp"

namespace {

using namespace semiasync;
using namespace semiasync::http;

/// The server's default maxBodyBytes.
constexpr size_t max_body = 65536;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::split_text_input(data, size);
  create_user_input input;
  for (const auto& [name, value] : text.headers) {
    if (!input.content_type && equals_ignoring_ascii_case(name, "Content-Type"))
      input.content_type = value;
    else if (!input.idempotency_key
             && equals_ignoring_ascii_case(name, "Idempotency-Key"))
      input.idempotency_key = value;
  }
  input.body = text.body;
  const request_id fresh{"00000000-0000-4000-8000-000000000000"};

  auto result = parse_create_user(input, max_body, fresh);

  if (auto* command = std::get_if<create_user_command>(&result)) {
    SEMIASYNC_FUZZ_CHECK(!user_name_problem(command->name.value));
    SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(command->request.value));
    if (input.idempotency_key)
      SEMIASYNC_FUZZ_CHECK(command->request.value
                           == name_based_uuid(*input.idempotency_key));
    else
      SEMIASYNC_FUZZ_CHECK(command->request == fresh);
    // What the server accepts, the worker must accept: the published
    // request decodes to the same request.
    auto published = encode_request({command->request, command->name});
    auto decoded = decode_request(published);
    SEMIASYNC_FUZZ_CHECK(decoded);
    SEMIASYNC_FUZZ_CHECK(decoded->request == command->request);
    SEMIASYNC_FUZZ_CHECK(decoded->name == command->name);
    return 0;
  }
  const auto& rejection = std::get<create_user_rejection>(result);
  auto response = answer_rejection(rejection);
  auto status = response.status;
  SEMIASYNC_FUZZ_CHECK(status == 400 || status == 413 || status == 415);
  SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(rejection.request.value));
  SEMIASYNC_FUZZ_CHECK(response.content_type == "application/problem+json");
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  SEMIASYNC_FUZZ_CHECK(body.is_object());
  SEMIASYNC_FUZZ_CHECK(body.value("status", 0) == status);
  SEMIASYNC_FUZZ_CHECK(body.value("requestId", "") == rejection.request.value);
  return 0;
}
