#pragma once

#include <caf/expected.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace RdKafka {
class Conf;
} // namespace RdKafka

namespace semiasync::kafka {

/// A timeout as librdkafka's `int` milliseconds; negative becomes 0.
inline int to_ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<int64_t>(0, timeout.count()));
}

/// librdkafka configuration properties by name, e.g. `acks` -> `all`.
using properties = std::map<std::string, std::string>;

/// Our producer defaults: idempotent, `acks=all`, no linger, and
/// `message.timeout.ms` = `delivery_timeout` (librdkafka's 5 minutes would
/// outlive any HTTP request waiting on the delivery).
properties producer_defaults(const std::string& brokers,
                             std::chrono::milliseconds delivery_timeout);

/// Our group-consumer defaults: auto commit of explicitly stored offsets only
/// (at-least-once), earliest reset, short fetch wait.
properties consumer_defaults(const std::string& brokers,
                             const std::string& group_id);

/// A global librdkafka configuration with `defaults` applied first, then
/// `overrides`, so the caller wins (also over aliases such as
/// `request.required.acks`, since the later write lands last). The error
/// (`error_code::invalid_setting`) names the rejected property and why.
caf::expected<std::unique_ptr<RdKafka::Conf>>
make_conf(const properties& defaults, const properties& overrides);

} // namespace semiasync::kafka
