// The settings that are more than text or a number are parsed into their
// types once, at load: outcomeRouting, replyPartitions, logLevel and
// kafkaProperties. A bad value is refused there, naming the key.

#include "config/load.hpp"
#include "config/outcome_routing.hpp"
#include "config/partition_list.hpp"

#include <catch2/catch.hpp>
#include <map>

using namespace semiasync::config;

namespace {

env_lookup no_env() {
  return [](const std::string&) {
    return std::optional<std::string>{};
  };
}

settings loaded(const std::vector<std::string>& args) {
  auto outcome = load(args, no_env());
  if (auto* error = std::get_if<load_error>(&outcome))
    FAIL("unexpected error: " << error->message);
  return std::get<load_result>(outcome).values;
}

std::string refusal(const std::vector<std::string>& args) {
  auto outcome = load(args, no_env());
  if (std::holds_alternative<load_result>(outcome)) FAIL("expected an error");
  return std::get<load_error>(outcome).message;
}

std::vector<int32_t> partitions(std::string_view text) {
  std::vector<int32_t> result{-1};
  if (auto why = parse_partition_list(text, result))
    FAIL("unexpected refusal: " << *why);
  return result;
}

} // namespace

TEST_CASE("outcome routings read and print as their setting's text") {
  CHECK(outcome_routing_from("broadcast") == outcome_routing::broadcast);
  CHECK(outcome_routing_from("steered") == outcome_routing::steered);
  CHECK_FALSE(outcome_routing_from("Steered"));
  CHECK_FALSE(outcome_routing_from(""));
  for (auto x : {outcome_routing::broadcast, outcome_routing::steered})
    CHECK(outcome_routing_from(to_string(x)) == x);
}

TEST_CASE("partition lists parse strictly") {
  SECTION("blank is none") {
    CHECK(partitions("").empty());
    CHECK(partitions(" \t").empty());
  }
  SECTION("numbers separated by ',', blanks around them allowed") {
    CHECK(partitions("0, 3,6") == std::vector<int32_t>{0, 3, 6});
    CHECK(partitions(" 7 ") == std::vector<int32_t>{7});
    CHECK(partitions("999999999") == std::vector<int32_t>{999999999});
  }
  SECTION("anything else is refused, leaving the output alone") {
    for (auto bad : {"1,,2", "-1", "+1", "1,", "a", "1 2", "1234567890"}) {
      std::vector<int32_t> out{42};
      auto why = parse_partition_list(bad, out);
      CHECK(why == std::string{"expected partition numbers separated by ','"});
      CHECK(out == std::vector<int32_t>{42});
    }
  }
  SECTION("a partition listed twice is refused") {
    std::vector<int32_t> out;
    CHECK(parse_partition_list("1, 3,1", out)
          == std::string{"partition 1 is listed twice"});
  }
  SECTION("printed as they read") {
    CHECK(partition_list_text({}).empty());
    CHECK(partition_list_text({0, 3, 6}) == "0,3,6");
  }
}

TEST_CASE("outcomeRouting and replyPartitions load into their types") {
  SECTION("defaults: broadcast, no partitions") {
    auto v = loaded({});
    CHECK(v.outcome_routing == outcome_routing::broadcast);
    CHECK(v.reply_partitions.empty());
  }
  SECTION("flags") {
    auto v = loaded({"--outcome-routing=steered", "--reply-partitions=0, 3"});
    CHECK(v.outcome_routing == outcome_routing::steered);
    CHECK(v.reply_partitions == std::vector<int32_t>{0, 3});
  }
  SECTION("a bad routing is refused, naming the key and the choices") {
    auto message = refusal({"--outcome-routing=direct"});
    CHECK_THAT(message, Catch::Contains("outcomeRouting")
                          && Catch::Contains("'direct'")
                          && Catch::Contains("expected broadcast or steered"));
  }
  SECTION("a bad partition list is refused, naming the key") {
    auto message = refusal({"--reply-partitions=1,x"});
    CHECK_THAT(message, Catch::Contains("replyPartitions")
                          && Catch::Contains("partition numbers"));
  }
  SECTION("a duplicate partition is refused at load, naming the key") {
    // Before, the text passed the setting's check and the server failed at
    // start-up, reporting the bad value as an unavailable broker topic.
    auto message = refusal({"--reply-partitions=2,2"});
    CHECK_THAT(message, Catch::Contains("replyPartitions")
                          && Catch::Contains("listed twice"));
  }
}

TEST_CASE("logLevel loads into the log's own level") {
  CHECK(loaded({}).log_level == semiasync::log_level::info);
  CHECK(loaded({"--log-level=debug"}).log_level == semiasync::log_level::debug);
  CHECK(loaded({"--log-level=warn"}).log_level == semiasync::log_level::warn);
  CHECK(loaded({"--log-level=error"}).log_level == semiasync::log_level::error);
  auto message = refusal({"--log-level=Info"});
  CHECK_THAT(message, Catch::Contains("logLevel")
                        && Catch::Contains("debug, info, warn, error"));
}

TEST_CASE("log level names read back as their level") {
  using semiasync::log_level;
  for (auto level :
       {log_level::debug, log_level::info, log_level::warn, log_level::error}) {
    auto parsed = log_level::error;
    CHECK(semiasync::parse_log_level(semiasync::log_level_name(level), parsed));
    CHECK(parsed == level);
  }
  auto untouched = log_level::warn;
  CHECK_FALSE(semiasync::parse_log_level("verbose", untouched));
  CHECK(untouched == log_level::warn);
}

TEST_CASE("kafkaProperties loads into a map of librdkafka properties") {
  using properties = std::map<std::string, std::string>;
  SECTION("none by default") {
    CHECK(loaded({}).kafka_properties.empty());
  }
  SECTION("names lose their blanks, values keep theirs") {
    auto v = loaded({"--kafka-properties= a.b =x ; c=y=z;;d= w"});
    CHECK(v.kafka_properties
          == properties{{"a.b", "x "}, {"c", "y=z"}, {"d", " w"}});
  }
  SECTION("a name given twice keeps its last value") {
    auto v = loaded({"--kafka-properties=acks=1;acks=all"});
    CHECK(v.kafka_properties == properties{{"acks", "all"}});
  }
  SECTION("a bad entry is refused, naming the key and not the secret value") {
    auto message = refusal({"--kafka-properties=sasl.password=hunter2;x"});
    CHECK_THAT(message, Catch::Contains("kafkaProperties")
                          && Catch::Contains("name=value"));
    CHECK_THAT(message, !Catch::Contains("hunter2"));
    message = refusal({"--kafka-properties=my name=hunter2"});
    CHECK_THAT(message,
               Catch::Contains("property name") && !Catch::Contains("hunter2"));
  }
}

// The defaults themselves are checked with the others in config_test.cpp;
// db::connection_settings no longer has any of its own.
TEST_CASE("the database connection carries each db setting to its field") {
  auto db = loaded({"--db-host=h", "--db-port=3307", "--db-user=u",
                    "--db-password=p", "--db-name=n"})
              .db_connection();
  CHECK(db.host == "h");
  CHECK(db.port == 3307);
  CHECK(db.user == "u");
  CHECK(db.password == "p");
  CHECK(db.database == "n");
  CHECK(db.timeout == semiasync::db::connection_settings{}.timeout);
}
