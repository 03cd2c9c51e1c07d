#pragma once

// Access to the real stack that scripts/stack starts (Kafka, MariaDB) and to
// semiasync processes launched against it. Settings come from the
// environment that scripts/test exports:
//   SEMIASYNC_TEST_KAFKA        (127.0.0.1:9093)
//   SEMIASYNC_TEST_DB_HOST      (127.0.0.1)
//   SEMIASYNC_TEST_DB_PORT      (3306)
//   SEMIASYNC_TEST_DB_USER      (root)
//   SEMIASYNC_TEST_DB_PASSWORD  (root)
//   SEMIASYNC_TEST_BINARY       (the semiasync binary of this build tree)
// Failures throw std::runtime_error with what was seen (log tails included),
// which Catch reports as the test's failure.

#include "db/connection_settings.hpp"
#include "domain/user_repository.hpp"
#include "kafka/consumer.hpp"
#include "kafka/record.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/child_process.hpp"

namespace semiasync::testing {

/// Where the stack and the binary under test are.
struct stack_settings {
  /// Kafka bootstrap servers.
  std::string kafka;
  /// MariaDB host.
  std::string db_host;
  /// MariaDB port.
  uint16_t db_port = 3306;
  /// MariaDB user.
  std::string db_user;
  /// MariaDB password.
  std::string db_password;
  /// The semiasync binary.
  std::string binary;
};

/// The settings, read from the environment once.
const stack_settings& stack();

/// The same as connection settings for `db::mysql_user_repository`.
db::connection_settings db_settings();

// -- names --------------------------------------------------------------------

/// "it-<uuid>", fixed for this test process: every user name and Kafka
/// object the process creates starts with it.
const std::string& run_prefix();

/// A user name unique to this run: "<run_prefix>-<label>-<n>".
std::string unique_name(std::string_view label);

/// A port on 127.0.0.1 that was free a moment ago (the kernel's pick).
uint16_t free_port();

// -- processes ----------------------------------------------------------------

/// A running `semiasync server` and its HTTP port.
struct server_instance {
  /// The process.
  std::unique_ptr<child_process> process;
  /// Its HTTP port on 127.0.0.1.
  uint16_t port = 0;
};

/// Starts `semiasync server` on a free port with the stack's brokers plus
/// `extra_flags` and the variables `env`, and returns once `/readyz` answers
/// 200.
server_instance start_server(const std::vector<std::string>& extra_flags = {},
                             const environment_overrides& env = {});

/// Starts `semiasync worker` against the stack plus `extra_flags` and the
/// variables `env` (the DB password goes through the environment too), and
/// returns once it logs that it is consuming. Joining the group may take
/// longer: callers that need an answer use a bounded retry, see `pipeline`.
std::unique_ptr<child_process>
start_worker(const std::vector<std::string>& extra_flags = {},
             const environment_overrides& env = {});

// -- database -----------------------------------------------------------------

/// The row of app.users with this name (as the database compares names).
std::optional<stored_user> find_user(const std::string& name);

/// Polls `find_user` until the row exists or `timeout` passes.
std::optional<stored_user> wait_for_user(const std::string& name,
                                         std::chrono::milliseconds timeout);

/// How many rows of app.users have this name, as the database compares.
int count_users_named(const std::string& name);

/// Inserts `row` directly, bypassing semiasync.
void insert_user(const stored_user& row);

/// Every row of app.users whose name starts with `prefix` (compared
/// byte-wise after the database's LIKE pre-selection), in insertion order.
std::vector<stored_user> users_with_prefix(const std::string& prefix);

/// Deletes the rows whose name starts with `prefix`; returns how many.
uint64_t delete_users_with_prefix(const std::string& prefix);

/// Deletes this process's users (names starting with `run_prefix()`) when
/// destroyed. Declare it before the processes that create them, so it runs
/// after they stopped.
class users_cleanup {
public:
  users_cleanup() = default;
  ~users_cleanup();
  users_cleanup(const users_cleanup&) = delete;
  users_cleanup& operator=(const users_cleanup&) = delete;
};

// -- kafka --------------------------------------------------------------------

/// Publishes `rec` and waits until the broker acknowledged it.
void produce(const kafka::outgoing_record& rec);

/// Creates `topic` (replicated as the brokers default to), waiting for them.
void create_topic(const std::string& topic, int partitions);

/// Waits up to 30 s until every partition of `topic` has a leader that
/// answers (a topic created a moment ago may still say "not leader"), by
/// positioning a reader at each partition's end; throws when none comes.
void wait_until_readable(const std::string& topic);

/// Deletes `topic`; failures are ignored (cleanup only).
void delete_topic(const std::string& topic) noexcept;

/// A topic of this test's own: created now, deleted when it goes.
class scoped_topic {
public:
  /// Creates `name` with `partitions` partitions.
  explicit scoped_topic(std::string name, int partitions = 6)
    : name_(std::move(name)) {
    create_topic(name_, partitions);
  }

  scoped_topic(const scoped_topic&) = delete;
  scoped_topic& operator=(const scoped_topic&) = delete;

  ~scoped_topic() {
    delete_topic(name_);
  }

  /// The topic's name.
  const std::string& name() const noexcept {
    return name_;
  }

private:
  std::string name_;
};

/// Everything published to one topic after construction.
class topic_capture {
public:
  /// Predicate over captured records.
  using matcher = std::function<bool(const kafka::record&)>;

  /// Positions a reader at the current end of every partition of `topic`.
  explicit topic_capture(const std::string& topic);

  ~topic_capture();

  topic_capture(const topic_capture&) = delete;
  topic_capture& operator=(const topic_capture&) = delete;

  /// The first captured record matching `match`, polling until `timeout`.
  std::optional<kafka::record> wait_for(const matcher& match,
                                        std::chrono::milliseconds timeout);

  /// The first record whose `requestUUID` header equals `request`.
  std::optional<kafka::record>
  wait_for_request_header(const std::string& request,
                          std::chrono::milliseconds timeout);

  /// Every record captured so far.
  const std::vector<kafka::record>& records() const noexcept {
    return seen_;
  }

private:
  std::string topic_;
  std::unique_ptr<kafka::consumer> reader_;
  std::vector<kafka::record> seen_;
};

} // namespace semiasync::testing
