#pragma once

#include "actors/protocol.hpp"
#include "kafka/write_gate.hpp"

#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace semiasync {

/// Why a topic cannot take a write now, or nothing when it can (or when
/// nobody can tell); may block.
using write_check_function
  = std::function<std::optional<std::string>(const std::string& topic)>;

/// Rounds in a row that must find a topic unwritable before the gate
/// closes for it.
constexpr int write_watch_rounds_to_close = 2;

/// Checks each of `topics` with `check` every `interval` and records the
/// findings in `gate`, which the HTTP edge asks before publishing: closed
/// after `write_watch_rounds_to_close` refusing rounds in a row, open again
/// at the first round that finds it writable. Logs each change. Spawn it
/// `detached`: checks block.
poller_actor::behavior_type
write_watch(poller_actor::pointer self, std::vector<std::string> topics,
            write_check_function check, caf::timespan interval,
            std::shared_ptr<kafka::write_gate> gate);

} // namespace semiasync
