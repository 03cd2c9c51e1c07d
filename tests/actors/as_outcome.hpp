#pragma once

#include "actors/request.hpp"

namespace semiasync::testing {

/// A create-user request's result as its outcome; a route reply (which no
/// create-user request may get) becomes an error the test reports.
inline caf::expected<outcome>
as_outcome(const caf::expected<request_result>& result) {
  if (!result) return result.error();
  if (auto x = std::get_if<outcome>(&*result)) return *x;
  return make_error(caf::sec::unexpected_message,
                    "a create-user request got a route reply");
}

} // namespace semiasync::testing
