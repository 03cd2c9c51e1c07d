#include "tests/integration/stack.hpp"

#include "db/mysql_user_repository.hpp"
#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "kafka/admin.hpp"
#include "kafka/producer.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <mysql++/mysql++.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "tests/integration/http_client.hpp"
#include "tests/support/admin_db.hpp"

#ifndef SEMIASYNC_IT_DEFAULT_BINARY
#  error "SEMIASYNC_IT_DEFAULT_BINARY must name the semiasync binary"
#endif
#ifndef SEMIASYNC_IT_LOG_DIR
#  error "SEMIASYNC_IT_LOG_DIR must name a directory for process logs"
#endif

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// How often bounded waits look again.
constexpr auto poll_interval = 100ms;

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string describe(const caf::error& err) {
  if (code_of(err) == error_code::none) return caf::to_string(err);
  return to_string(code_of(err)) + ": " + detail_of(err);
}

/// A fresh log file path for a process labelled `label`.
std::string next_log_path(const std::string& label) {
  static std::atomic<int> counter{0};
  std::filesystem::create_directories(SEMIASYNC_IT_LOG_DIR);
  return std::string{SEMIASYNC_IT_LOG_DIR} + "/" + label + "-"
         + std::to_string(::getpid()) + "-" + std::to_string(++counter)
         + ".log";
}

/// A direct mysql++ connection for what the repository does not offer.
class admin_connection {
public:
  admin_connection() {
    connect_admin(conn_, db_settings());
  }

  mysqlpp::Query query(const char* sql) {
    auto result = conn_.query(sql);
    result.parse();
    return result;
  }

private:
  mysqlpp::Connection conn_{true};
};

std::string server_failure(const char* what, child_process& proc) {
  return std::string{what} + " (" + proc.describe_status() + ")\n"
         + proc.log_tail();
}


} // namespace

const stack_settings& stack() {
  static const stack_settings result{
    env_or("SEMIASYNC_TEST_KAFKA", "127.0.0.1:9093"),
    env_or("SEMIASYNC_TEST_DB_HOST", "127.0.0.1"),
    static_cast<uint16_t>(std::stoi(env_or("SEMIASYNC_TEST_DB_PORT", "3306"))),
    env_or("SEMIASYNC_TEST_DB_USER", "root"),
    env_or("SEMIASYNC_TEST_DB_PASSWORD", "root"),
    env_or("SEMIASYNC_TEST_BINARY", SEMIASYNC_IT_DEFAULT_BINARY),
  };
  return result;
}

db::connection_settings db_settings() {
  db::connection_settings result;
  result.host = stack().db_host;
  result.port = stack().db_port;
  result.user = stack().db_user;
  result.password = stack().db_password;
  result.database = "app";
  return result;
}

// -- names --------------------------------------------------------------------

const std::string& run_prefix() {
  static const std::string prefix = "it-" + random_uuid();
  return prefix;
}

std::string unique_name(std::string_view label) {
  static std::atomic<int> counter{0};
  return run_prefix() + "-" + std::string{label} + "-"
         + std::to_string(++counter);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0
            && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("free_port: cannot bind an ephemeral port");
  return ntohs(addr.sin_port);
}

// -- processes ----------------------------------------------------------------

server_instance start_server(const std::vector<std::string>& extra_flags,
                             const environment_overrides& env) {
  // Another process may take the port between our probe and the server's
  // bind; the server then exits at once and we try another port.
  constexpr int attempts = 3;
  std::string last_failure;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    server_instance result;
    result.port = free_port();
    std::vector<std::string> argv{stack().binary, "server",
                                  "--http-address=127.0.0.1",
                                  "--http-port=" + std::to_string(result.port),
                                  "--kafka-brokers=" + stack().kafka};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    result.process = std::make_unique<child_process>(
      argv, env, next_log_path("server-" + std::to_string(result.port)));
    auto deadline = clock_type::now() + 30s;
    while (clock_type::now() < deadline && result.process->running()) {
      auto resp = try_http_send(result.port, {"GET", "/readyz", {}, {}}, 2s);
      if (resp && resp->status == 200) return result;
      std::this_thread::sleep_for(poll_interval);
    }
    if (result.process->running()) {
      result.process->terminate();
      FAIL(server_failure("server not ready within 30 s", *result.process));
    }
    last_failure
      = server_failure("server exited during start-up", *result.process);
    if (result.process->log_text().find("cannot listen") == std::string::npos)
      break;
  }
  FAIL(last_failure);
  return {}; // not reached: FAIL throws, but the compiler cannot know it
}

std::unique_ptr<child_process>
start_worker(const std::vector<std::string>& extra_flags,
             const environment_overrides& env) {
  std::vector<std::string> argv{stack().binary,
                                "worker",
                                "--kafka-brokers=" + stack().kafka,
                                "--db-host=" + stack().db_host,
                                "--db-port=" + std::to_string(stack().db_port),
                                "--db-user=" + stack().db_user};
  // Many workers run at once in tests: none may claim the default metrics
  // port unless the test asks for one.
  auto asks_port = std::any_of(extra_flags.begin(), extra_flags.end(),
                               [](const std::string& flag) {
                                 return flag.rfind("--worker-metrics-port", 0)
                                        == 0;
                               });
  if (!asks_port) argv.push_back("--worker-metrics-port=0");
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  auto worker_env = env;
  worker_env.emplace_back("SEMIASYNC_DB_PASSWORD", stack().db_password);
  auto proc = std::make_unique<child_process>(argv, worker_env,
                                              next_log_path("worker"));
  auto deadline = clock_type::now() + 20s;
  while (clock_type::now() < deadline && proc->running()) {
    // The worker logs JSON lines; this one follows subscribing.
    if (proc->log_text().find("\"consuming ") != std::string::npos) return proc;
    std::this_thread::sleep_for(poll_interval);
  }
  auto what = proc->running() ? "worker did not log 'consuming' within 20 s"
                              : "worker exited during start-up";
  proc->terminate();
  throw std::runtime_error(server_failure(what, *proc));
}

// -- database -----------------------------------------------------------------

std::optional<stored_user> find_user(const std::string& name) {
  db::mysql_user_repository repo{db_settings()};
  auto found = repo.find_by_name(user_name{name});
  if (!found) throw std::runtime_error("find_user: " + describe(found.error()));
  return std::move(*found);
}

std::optional<stored_user> wait_for_user(const std::string& name,
                                         std::chrono::milliseconds timeout) {
  db::mysql_user_repository repo{db_settings()};
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto found = repo.find_by_name(user_name{name});
    if (!found)
      throw std::runtime_error("wait_for_user: " + describe(found.error()));
    if (*found || clock_type::now() >= deadline) return std::move(*found);
    std::this_thread::sleep_for(poll_interval);
  }
}

int count_users_named(const std::string& name) {
  admin_connection conn;
  auto rows
    = conn.query("SELECT COUNT(*) FROM users WHERE name = %0q").store(name);
  return static_cast<int>(rows.at(0).at(0));
}

void insert_user(const stored_user& row) {
  db::mysql_user_repository repo{db_settings()};
  auto inserted = repo.insert(row);
  if (!inserted)
    throw std::runtime_error("insert_user: " + describe(inserted.error()));
  if (*inserted != insert_result::inserted)
    throw std::runtime_error("insert_user: duplicate " + row.name.value);
}

std::vector<stored_user> users_with_prefix(const std::string& prefix) {
  admin_connection conn;
  // LIKE may match more (an '_' in the prefix matches any character): the
  // exact prefix test below keeps only the rows asked for.
  auto rows = conn
                .query("SELECT uuid, name, request_uuid FROM users"
                       " WHERE name LIKE %0q ORDER BY id")
                .store(prefix + "%");
  std::vector<stored_user> result;
  for (const auto& row : rows) {
    std::string name{row.at(1).data(), row.at(1).length()};
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    result.push_back(
      {user_uuid{std::string{row.at(0).data(), row.at(0).length()}},
       user_name{std::move(name)},
       request_id{std::string{row.at(2).data(), row.at(2).length()}}});
  }
  return result;
}

uint64_t delete_users_with_prefix(const std::string& prefix) {
  admin_connection conn;
  // The prefix is "it-<uuid>": no LIKE wildcards inside.
  auto result
    = conn.query("DELETE FROM users WHERE name LIKE %0q").execute(prefix + "%");
  return result.rows();
}

users_cleanup::~users_cleanup() {
  try {
    delete_users_with_prefix(run_prefix());
  } catch (const std::exception&) {
    // Cleanup only: names are unique per run, so leftovers do no harm.
  }
}

// -- kafka --------------------------------------------------------------------

void produce(const kafka::outgoing_record& rec) {
  auto client = kafka::producer::make(stack().kafka, 10s);
  if (!client) throw std::runtime_error("produce: " + describe(client.error()));
  std::mutex mtx;
  std::optional<caf::error> verdict;
  auto err = (*client)->publish(rec, [&](const caf::error& result,
                                          const kafka::record_position&) {
    std::lock_guard<std::mutex> guard{mtx};
    verdict = result;
  });
  if (err) throw std::runtime_error("produce: " + describe(err));
  if (auto flushed = (*client)->flush(15s))
    throw std::runtime_error("produce: flush: " + describe(flushed));
  std::lock_guard<std::mutex> guard{mtx};
  if (!verdict)
    throw std::runtime_error("produce: no delivery report after flush");
  if (*verdict)
    throw std::runtime_error("produce: delivery failed: " + describe(*verdict));
}

void wait_until_readable(const std::string& topic) {
  auto deadline = clock_type::now() + 30s;
  for (;;) {
    try {
      topic_capture probe{topic};
      return;
    } catch (const std::runtime_error& err) {
      if (clock_type::now() >= deadline)
        throw std::runtime_error("topic " + topic
                                 + " has no leaders after 30 s: " + err.what());
    }
    std::this_thread::sleep_for(200ms);
  }
}

void create_topic(const std::string& topic, int partitions) {
  auto problem = kafka::create_topics(stack().kafka, {topic}, partitions);
  if (!problem.empty())
    throw std::runtime_error("create_topic " + topic + ": " + problem);
}

void delete_topic(const std::string& topic) noexcept {
  try {
    kafka::delete_topics(stack().kafka, {topic});
  } catch (...) {
    // Cleanup only: a failure here must not mask the test's own result.
  }
}

topic_capture::topic_capture(const std::string& topic) : topic_(topic) {
  auto reader = kafka::consumer::assign_from_end(
    stack().kafka, run_prefix() + "-capture", topic, 15s);
  if (!reader)
    throw std::runtime_error("cannot capture " + topic + ": "
                             + describe(reader.error()));
  reader_ = std::move(*reader);
}

topic_capture::~topic_capture() = default;

std::optional<kafka::record>
topic_capture::wait_for(const matcher& match,
                        std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  size_t checked = 0;
  for (;;) {
    for (; checked < seen_.size(); ++checked)
      if (match(seen_[checked])) return seen_[checked];
    if (clock_type::now() >= deadline) return std::nullopt;
    auto batch = reader_->poll(256, poll_interval);
    // A transient broker error is retried until the deadline.
    if (batch) seen_.insert(seen_.end(), batch->begin(), batch->end());
  }
}

std::optional<kafka::record>
topic_capture::wait_for_request_header(const std::string& request,
                                       std::chrono::milliseconds timeout) {
  return wait_for(
    [&](const kafka::record& rec) {
      auto value = rec.message.header_value("requestUUID");
      return value && *value == request;
    },
    timeout);
}

} // namespace semiasync::testing
