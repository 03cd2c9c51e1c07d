#include "actors/create_user_handler.hpp"
#include "app/commands.hpp"
#include "app/worker_process.hpp"
#include "db/mysql_user_repository.hpp"
#include "domain/uuid.hpp"

#include <memory>

namespace semiasync {

int run_worker(const config::settings& cfg, termination_signals& signals) {
  auto users = std::make_shared<db::mysql_user_repository>(cfg.db_connection());
  return run_worker_process(
    cfg, signals,
    {.request_topic = cfg.request_topic,
     .outcome_topic = cfg.outcome_topic,
     .dead_letter_topic = cfg.effective_dead_letter_topic(),
     .group = cfg.worker_group,
     .handler = std::make_shared<create_user_handler>(
       users, std::make_shared<random_uuid_source>()),
     .operation = "create_user"});
}

} // namespace semiasync
