#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// Every failure semiasync reports between its parts. The HTTP edge maps each
/// code to a status exactly once (http/answer.cpp); inside, they travel as
/// `caf::error` values. Whether a code is worth retrying is decided in one
/// place, `is_transient` below.
enum class error_code : uint8_t {
  /// Not an error; required by CAF's error machinery.
  none = 0,
  /// The broker did not acknowledge a record within the produce timeout,
  /// and the record was certainly not written: safe to retry.
  publish_failed,
  /// Publishing failed after the record may have been written: the request
  /// may still complete, so the client must not be told to simply retry.
  publish_uncertain,
  /// No outcome arrived before the request's deadline.
  reply_timeout,
  /// A record on a topic does not follow the wire contract.
  malformed_record,
  /// The database could not be reached or failed transiently; retry.
  database_unavailable,
  /// The database rejected the command for good (a bug or a schema drift).
  database_rejected,
  /// One request ID was used for two different names.
  request_id_conflict,
  /// The server is shutting down and takes no new work.
  draining,
  /// The server is at a limit of work in flight (requests or lookups).
  overloaded,
  /// Kafka could not be reached, or a client of it failed (no metadata, a
  /// failed poll or assignment): may pass, retry.
  broker_unavailable,
  /// A part of this process (an actor) failed before the request was
  /// published: nothing was written, so a retry is safe.
  component_failed,
  /// A setting (of ours or a Kafka property) has a value that cannot work;
  /// only a changed configuration helps.
  invalid_setting,
  /// A port could not be opened (in use, or an address not of this host).
  listen_failed,
};

/// Whether a failure with `code` may pass on its own, so doing the same
/// work again later is the right answer: the worker engine backs off and
/// retries these, and decides every other failure for good. Every code is
/// placed here (no default: the compiler names a new one left out).
constexpr bool is_transient(error_code code) noexcept {
  switch (code) {
    case error_code::publish_failed:
    case error_code::publish_uncertain:
    case error_code::reply_timeout:
    case error_code::database_unavailable:
    case error_code::draining:
    case error_code::overloaded:
    case error_code::broker_unavailable:
    case error_code::component_failed: return true;
    case error_code::none:
    case error_code::malformed_record:
    case error_code::database_rejected:
    case error_code::request_id_conflict:
    case error_code::invalid_setting:
    case error_code::listen_failed: return false;
  }
  return false;
}

/// The name of an error code, for logs and problem bodies.
std::string to_string(error_code code);

/// The code named `name` (as `to_string` prints it), or nothing.
std::optional<error_code> error_code_from_string(std::string_view name);

/// Builds a `caf::error` carrying `code` and a human-readable detail.
caf::error make_error(error_code code, std::string detail = {});

/// The code inside `err` when it is one of ours, `error_code::none` otherwise.
error_code code_of(const caf::error& err);

/// The human-readable detail stored in `err`, empty when there is none.
std::string detail_of(const caf::error& err);

/// Why `err` happened, for a log line or a dead letter: its detail, or its
/// code's name when it has none.
std::string reason_of(const caf::error& err);

/// What kind of error `err` is, for a span's `error.type`: our code's name,
/// or CAF's rendering of a foreign error.
std::string kind_of(const caf::error& err);

} // namespace semiasync

CAF_ERROR_CODE_ENUM(semiasync::error_code, "semiasync")
