#include "domain/error.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace semiasync;

namespace {

/// Every code after `none`, in declaration order (the last one is named
/// here on purpose: a code added after it must be added to this test).
std::vector<error_code> all_codes() {
  std::vector<error_code> result;
  for (auto code = static_cast<uint8_t>(error_code::publish_failed);
       code <= static_cast<uint8_t>(error_code::listen_failed); ++code)
    result.push_back(static_cast<error_code>(code));
  return result;
}

} // namespace

TEST_CASE("every error code has its own name, read back as the same code") {
  std::set<std::string> names;
  for (auto code : all_codes()) {
    auto name = to_string(code);
    CAPTURE(name);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
    CHECK(error_code_from_string(name) == code);
  }
  CHECK_FALSE(error_code_from_string("none"));
  CHECK_FALSE(error_code_from_string("unknown"));
  CHECK_FALSE(error_code_from_string("no_such_code"));
}

TEST_CASE("failures that may pass are transient; decisions and bad settings "
          "are not") {
  for (auto code :
       {error_code::database_unavailable, error_code::broker_unavailable,
        error_code::publish_failed, error_code::publish_uncertain,
        error_code::overloaded, error_code::draining,
        error_code::component_failed, error_code::reply_timeout})
    CHECK(is_transient(code));
  for (auto code :
       {error_code::none, error_code::malformed_record,
        error_code::database_rejected, error_code::request_id_conflict,
        error_code::invalid_setting, error_code::listen_failed})
    CHECK_FALSE(is_transient(code));
}

TEST_CASE("an error carries its code and detail, and foreign errors read as "
          "none") {
  auto err = make_error(error_code::invalid_setting, "replyPartitions: 1,1");
  CHECK(code_of(err) == error_code::invalid_setting);
  CHECK(detail_of(err) == "replyPartitions: 1,1");
  CHECK(code_of(caf::error{}) == error_code::none);
  CHECK(detail_of(caf::error{}).empty());
  CHECK(reason_of(err) == "replyPartitions: 1,1");
  CHECK(reason_of(make_error(error_code::draining)) == "draining");
}
