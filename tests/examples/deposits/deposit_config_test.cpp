// The deposits example's configuration (examples/deposits/semiasync.yaml), as
// the gateway reads its routes (config/route_yaml.hpp).

#include "config/route_yaml.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

using namespace semiasync::config;

TEST_CASE("the deposits example's route is accepted as the gateway reads "
          "routes") {
  auto file = YAML::LoadFile(std::string{SEMIASYNC_SOURCE_DIR}
                             + "/examples/deposits/semiasync.yaml");
  auto parsed = parse_routes(file["routes"]);
  if (auto why = std::get_if<std::string>(&parsed)) FAIL(*why);
  auto& routes = std::get<std::vector<route_spec>>(parsed);
  REQUIRE(routes.size() == 1);
  auto& r = routes[0];
  CHECK(r.method == "POST");
  CHECK(r.path.text() == "/accounts/{accountId}/deposits");
  CHECK(r.request_topic == "deposit_requested");
  CHECK(r.outcome_topic == "deposit_outcomes");
  CHECK(r.key.from == record_key::source::path_parameter);
  CHECK(r.key.name == "accountId");
  CHECK(r.required_fields == std::vector<std::string>{"depositId", "amount"});
  CHECK(r.protocol == reply_protocol::semiasync);
  REQUIRE(r.outcomes.size() == 4);
  auto status_of = [&](const std::string& type) -> const outcome_rule* {
    for (auto& rule : r.outcomes)
      if (rule.event_type == type) return &rule;
    return nullptr;
  };
  REQUIRE(status_of("DepositAccepted"));
  CHECK(status_of("DepositAccepted")->status == 201);
  CHECK(status_of("DepositAccepted")->location
        == "/accounts/{accountId}/deposits/{depositId}");
  REQUIRE(status_of("DepositDuplicated"));
  CHECK(status_of("DepositDuplicated")->status == 409);
  REQUIRE(status_of("DepositRefused"));
  CHECK(status_of("DepositRefused")->status == 422);
  REQUIRE(status_of("DepositRejected"));
  CHECK(status_of("DepositRejected")->status == 400);
  // Nothing but routes: the other settings come from the environment and
  // flags (scripts/demo), so the file works beside any of them.
  for (auto entry : file)
    CHECK(entry.first.as<std::string>() == "routes");
}
