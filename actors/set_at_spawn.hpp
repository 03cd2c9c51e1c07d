#pragma once

// CAF 0.17 default-constructs an actor's `state` before the actor function
// runs, so a state member cannot be initialised from the function's
// arguments, and a reference (or any type without a default constructor,
// such as a struct of metric references) cannot be a member at all. The
// one pattern for that here: the state holds a `set_at_spawn<T>`, the actor
// function sets it first thing, and every later use reads like a pointer.
// (Two things look alike and are not this: an optional setting that may be
// absent, such as `outcome_consumer_settings::records_read`, is a nullable
// pointer in the settings; and a request actor keeps its context in a
// `request_session` because the session's destructor is what answers a
// client whose actor died, not because of the state's construction.)

#include <cassert>
#include <optional>
#include <utility>

namespace semiasync {

/// A state member that the actor function sets once, at spawn; empty only
/// between the state's construction and that call.
template <class T>
class set_at_spawn {
public:
  /// Sets the value; called once, first thing in the actor function.
  void set(T value) {
    assert(!value_);
    value_.emplace(std::move(value));
  }

  /// The value set at spawn.
  T& operator*() noexcept {
    assert(value_);
    return *value_;
  }

  /// The value set at spawn, for member access.
  T* operator->() noexcept {
    assert(value_);
    return &*value_;
  }

  /// The value set at spawn, read-only.
  const T* operator->() const noexcept {
    assert(value_);
    return &*value_;
  }

private:
  std::optional<T> value_;
};

} // namespace semiasync
