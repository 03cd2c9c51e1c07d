#include "actors/system_config.hpp"
#include "actors/worker.hpp"
#include "app/commands.hpp"
#include "app/stop_watch.hpp"
#include "db/mysql_user_repository.hpp"
#include "domain/error.hpp"
#include "domain/log.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <csignal>

namespace semiasync {

namespace {

/// Outcome delivery may take long while the broker restarts; the record is
/// retried after a failed delivery anyway, so this only bounds one attempt.
constexpr auto outcome_delivery_timeout = std::chrono::seconds{30};

int fail(const std::string& what, const caf::error& err) {
  log(log_level::error, "worker", what + ": " + detail_of(err));
  return 1;
}

} // namespace

int run_worker(const config::settings& cfg, termination_signals& signals) {
  auto source = kafka::consumer::subscribe(cfg.kafka_brokers, cfg.worker_group,
                                           {cfg.request_topic});
  if (!source)
    return fail("cannot consume " + cfg.request_topic, source.error());
  auto publisher = kafka::producer::make(
    cfg.kafka_brokers, std::chrono::duration_cast<std::chrono::milliseconds>(
                         outcome_delivery_timeout));
  if (!publisher)
    return fail("cannot create the Kafka producer", publisher.error());
  auto users
    = std::make_shared<db::mysql_user_repository>(db::connection_settings{
      cfg.db_host, cfg.db_port, cfg.db_user, cfg.db_password, cfg.db_name});

  system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  worker_settings worker_cfg{cfg.outcome_topic,
                             cfg.effective_dead_letter_topic(),
                             std::chrono::milliseconds{100},
                             std::chrono::milliseconds{100},
                             std::chrono::seconds{5},
                             256};
  auto handle = sys.spawn<caf::detached>(
    worker, std::shared_ptr<kafka::record_source>{std::move(*source)},
    std::shared_ptr<kafka::publisher>{std::move(*publisher)}, users,
    std::make_shared<random_uuid_source>(), worker_cfg);
  log(log_level::info, "worker",
      "consuming " + cfg.request_topic + " in group " + cfg.worker_group);

  auto cause = wait_for_stop(sys, signals, {handle.address()});
  log(cause.failure.empty() ? log_level::info : log_level::error, "worker",
      "stopping: " + describe(cause));
  // The worker's state owns the clients: its exit flushes the producer and
  // closes the consumer, which commits the offsets already safe.
  caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  return cause.failure.empty() ? 0 : 1;
}

} // namespace semiasync
