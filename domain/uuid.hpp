#pragma once

#include <string>
#include <string_view>

namespace semiasync {

/// A fresh random (version 4) UUID, lower-case canonical form.
std::string random_uuid();

/// The version 5 UUID of `name` in semiasync's fixed namespace: the same
/// text always gives the same UUID, so an `Idempotency-Key` maps to one
/// request ID on every server instance.
std::string name_based_uuid(std::string_view name);

/// True for the lower-case canonical 36-character form the contract requires.
bool is_canonical_uuid(std::string_view text);

/// Produces UUIDs; injected where tests need predictable ones.
class uuid_source {
public:
  virtual ~uuid_source() = default;

  /// The next UUID.
  virtual std::string next() = 0;
};

/// A `uuid_source` of random UUIDs.
class random_uuid_source final : public uuid_source {
public:
  /// A fresh random UUID.
  std::string next() override;
};

} // namespace semiasync
