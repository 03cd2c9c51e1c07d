#pragma once

// Floods of read requests (GET /users/<id>, GET /requests/<id>), each on its
// own connection with its own client timeout, started in waves: the shape of
// traffic that piles lookups up in front of the database. One thread drives
// every connection (poll), so thousands may wait at once, and each answer's
// time is measured when it arrives. Unlike load_run, which paces POSTs from
// a few blocking clients, the point here is concurrency.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/faults/load.hpp"

namespace semiasync::testing {

/// What happened to one GET of a flood.
struct lookup_record {
  /// The request target, e.g. "/users/<uuid>".
  std::string path;
  /// How it ended.
  request_fate fate = request_fate::hang;
  /// The HTTP status when answered, else 0.
  int status = 0;
  /// The Content-Type of the answer, else empty.
  std::string content_type;
  /// True when the answer carried Retry-After.
  bool retry_after = false;
  /// The answer's body.
  std::string body;
  /// The client's error text when not answered.
  std::string error;
  /// From this request's start to the end of its answer (or failure).
  std::chrono::milliseconds latency{0};
};

/// The shape of a flood.
struct flood_plan {
  /// The server's HTTP port on 127.0.0.1.
  uint16_t port = 0;
  /// The request targets, one GET each, started in this order.
  std::vector<std::string> paths;
  /// GETs started together in each wave.
  size_t wave_size = 600;
  /// Time from one wave's start to the next's.
  std::chrono::milliseconds wave_interval{1000};
  /// A GET without a complete answer within this is a hang.
  std::chrono::milliseconds timeout{8000};
};

/// `count` paths alternating "/users/<random uuid>" and
/// "/requests/<random uuid>": IDs nobody stored, so only the database can
/// say so.
std::vector<std::string> unknown_lookup_paths(size_t count);

/// Runs `plan` and returns once every GET ended; the records are in the
/// order of `plan.paths`.
std::vector<lookup_record> flood_lookups(const flood_plan& plan);

} // namespace semiasync::testing
