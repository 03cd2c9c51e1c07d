// Fuzzes what the worker does with a record of the request topic, which any
// producer can write to: decode_request and salvage_request_id
// and the `replyPartition` header it may honour (kafka/wire_codec.hpp). Input:
// a record, see wire_record.hpp.
//
// Checks: a decoded request has a canonical ID and a valid name, salvage
// finds the same ID, and both outcomes the worker may publish for it decode
// on the server's side: UserCreated for a valid request, and, for an
// invalid one that names its request, the UserRejected the worker answers
// with (else that client would wait for its 504).

#include "domain/error.hpp"
#include "domain/user_name_rules.hpp"
#include "domain/uuid.hpp"
#include "kafka/wire_codec.hpp"

#include "fuzz/wire_record.hpp"

namespace {

using namespace semiasync;

/// Encodes `sent` as the worker does and decodes it as the server does.
void check_round_trip(const outcome& sent) {
  auto received = decode_outcome(encode_outcome(sent));
  SEMIASYNC_FUZZ_CHECK(received);
  SEMIASYNC_FUZZ_CHECK(*received == sent);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto msg = fuzz::wire_message_from(data, size);
  auto decoded = decode_request(msg);
  auto salvaged = salvage_request_id(msg);
  if (salvaged) SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(salvaged->value));
  auto partition = requested_reply_partition(msg);
  if (partition) SEMIASYNC_FUZZ_CHECK(*partition >= 0);

  if (decoded) {
    SEMIASYNC_FUZZ_CHECK(is_canonical_uuid(decoded->request.value));
    SEMIASYNC_FUZZ_CHECK(!user_name_problem(decoded->name.value));
    SEMIASYNC_FUZZ_CHECK(salvaged && *salvaged == decoded->request);
    auto encoded = encode_request(*decoded, partition);
    SEMIASYNC_FUZZ_CHECK(requested_reply_partition(encoded) == partition);
    auto again = decode_request(encoded);
    SEMIASYNC_FUZZ_CHECK(again);
    SEMIASYNC_FUZZ_CHECK(again->request == decoded->request);
    SEMIASYNC_FUZZ_CHECK(again->name == decoded->name);
    check_round_trip(user_created{
      decoded->request, user_uuid{"6ab12d0d-da5f-40b9-ac75-c78f87ae02f8"},
      decoded->name});
    check_round_trip(user_duplicated{decoded->request, decoded->name});
    return 0;
  }
  SEMIASYNC_FUZZ_CHECK(code_of(decoded.error())
                       == error_code::malformed_record);
  // As actors/create_user_handler.cpp answers a record it cannot decode.
  if (salvaged)
    check_round_trip(user_rejected{*salvaged, user_name{},
                                   error_code::malformed_record,
                                   detail_of(decoded.error())});
  return 0;
}
