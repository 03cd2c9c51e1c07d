#include "config/load.hpp"
#include "config/setting_table.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/support/temp_yaml.hpp"

using namespace semiasync::config;
using semiasync::testing::temp_yaml;
using namespace std::chrono_literals;

namespace {

using env_map = std::map<std::string, std::string>;

env_lookup fake_env(env_map vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto i = vars.find(name);
    if (i == vars.end()) return std::nullopt;
    return i->second;
  };
}

load_result ok(const load_outcome& outcome) {
  if (auto* error = std::get_if<load_error>(&outcome))
    FAIL("unexpected error: " << error->message);
  return std::get<load_result>(outcome);
}

std::string error_of(const load_outcome& outcome) {
  if (std::holds_alternative<load_result>(outcome)) FAIL("expected an error");
  return std::get<load_error>(outcome).message;
}

const char* reference_yaml = "dbHost: db.example\n"
                             "dbPort: 3307\n"
                             "dbUser: alice\n"
                             "dbPassword: s3cret\n"
                             "kafkaBrokers:\n"
                             "  - k1:9092\n"
                             "  - k2:9092\n"
                             "httpPort: 8081\n";

} // namespace

TEST_CASE("names derive from the YAML key") {
  CHECK(env_name("dbHost") == "SEMIASYNC_DB_HOST");
  CHECK(env_name("kafkaBrokers") == "SEMIASYNC_KAFKA_BROKERS");
  CHECK(flag_name("dbHost") == "--db-host");
  CHECK(flag_name("replyTimeoutMs") == "--reply-timeout-ms");
}

TEST_CASE("without any input the defaults hold") {
  auto result = ok(load({}, fake_env({})));
  const auto& v = result.values;
  CHECK(v.db_host == "127.0.0.1");
  CHECK(v.db_port == 3306);
  CHECK(v.db_user == "root");
  CHECK(v.db_password == "root");
  CHECK(v.db_name == "app");
  CHECK(v.kafka_brokers == "127.0.0.1:9093");
  CHECK(v.http_port == 8080);
  CHECK(v.http_address == "0.0.0.0");
  CHECK(v.request_topic == "create_user_request_sent");
  CHECK(v.outcome_topic == "user");
  CHECK(v.effective_dead_letter_topic() == "create_user_request_sent.dlq");
  CHECK(v.worker_group == "semiasync-worker");
  CHECK(v.instance_id.empty());
  CHECK(v.reply_timeout == 5000ms);
  CHECK(v.produce_timeout == 2000ms);
  CHECK(v.max_body_bytes == 65536);
  CHECK(v.http_threads == 2);
  CHECK(v.log_level == semiasync::log_level::info);
  CHECK(result.positional.empty());
  CHECK_FALSE(result.help);
}

TEST_CASE("a config file sets values") {
  SECTION("reference keys, kafkaBrokers as a list") {
    temp_yaml file{reference_yaml};
    auto v = ok(load({"--config=" + file.path()}, fake_env({}))).values;
    CHECK(v.db_host == "db.example");
    CHECK(v.db_port == 3307);
    CHECK(v.db_user == "alice");
    CHECK(v.db_password == "s3cret");
    CHECK(v.kafka_brokers == "k1:9092,k2:9092");
    CHECK(v.http_port == 8081);
    CHECK(v.db_name == "app");
  }
  SECTION("kafkaBrokers as a comma string, our own keys") {
    temp_yaml file{"kafkaBrokers: \"k1:9092, k2:9092\"\n"
                   "deadLetterTopic: poison\n"
                   "replyTimeoutMs: 8000\n"
                   "produceTimeoutMs: 3000\n"
                   "logLevel: debug\n"};
    auto v = ok(load({"--config", file.path()}, fake_env({}))).values;
    CHECK(v.kafka_brokers == "k1:9092,k2:9092");
    CHECK(v.effective_dead_letter_topic() == "poison");
    CHECK(v.reply_timeout == 8000ms);
    CHECK(v.produce_timeout == 3000ms);
    CHECK(v.log_level == semiasync::log_level::debug);
  }
  SECTION("the file may come from SEMIASYNC_CONFIG") {
    temp_yaml file{"dbHost: from-env-file\n"};
    auto env = fake_env({{"SEMIASYNC_CONFIG", file.path()}});
    CHECK(ok(load({}, env)).values.db_host == "from-env-file");
  }
  SECTION("an empty file changes nothing") {
    temp_yaml file{""};
    CHECK(ok(load({"--config=" + file.path()}, fake_env({}))).values.db_port
          == 3306);
  }
  SECTION("the example file loads") {
    auto example = std::filesystem::path{__FILE__}
                     .parent_path()
                     .parent_path()
                     .parent_path()
                   / "config" / "semiasync.example.yaml";
    auto v = ok(load({"--config=" + example.string()}, fake_env({}))).values;
    CHECK(v.kafka_brokers == "127.0.0.1:9093");
  }
}

TEST_CASE("config keys match ignoring case, as the reference's library does") {
  temp_yaml secret_file{"from-file\n"};
  SECTION("the reference users' spellings set the same settings") {
    temp_yaml file{"DBHost: 127.0.0.9\n"
                   "HTTPPort: 7000\n"
                   "KAFKABROKERS: k1:9092\n"
                   "dbuser: bob\n"
                   "DbPasswordFILE: "
                   + secret_file.path() + "\n"};
    auto v = ok(load({"--config=" + file.path()}, fake_env({}))).values;
    CHECK(v.db_host == "127.0.0.9");
    CHECK(v.http_port == 7000);
    CHECK(v.kafka_brokers == "k1:9092");
    CHECK(v.db_user == "bob");
    CHECK(v.db_password == "from-file");
  }
  SECTION("a bad value under another case is refused, not skipped") {
    // The file: it used to start a server on 8080 without a word.
    temp_yaml file{"DBHost: 127.0.0.9\nHTTPPort: 70000\n"};
    auto message = error_of(load({"--config=" + file.path()}, fake_env({})));
    CHECK_THAT(message, Catch::Contains("httpPort"));
    CHECK_THAT(message, Catch::Contains("70000"));
  }
  SECTION("one setting under two spellings is refused, naming both") {
    temp_yaml file{"dbHost: a\nDBHOST: b\n"};
    auto message = error_of(load({"--config=" + file.path()}, fake_env({})));
    CHECK_THAT(message, Catch::Contains("'dbHost'"));
    CHECK_THAT(message, Catch::Contains("'DBHOST'"));
    CHECK_THAT(message, Catch::Contains(file.path()));
  }
  SECTION("the same key twice is refused") {
    temp_yaml file{"dbPort: 1\ndbPort: 2\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, fake_env({}))),
               Catch::Contains("'dbPort'"));
  }
}

TEST_CASE("an unknown config key is refused, naming the nearest known one") {
  auto env = fake_env({});
  SECTION("a typo") {
    temp_yaml file{"dbHost: a\ndbHots: b\n"};
    auto message = error_of(load({"--config=" + file.path()}, env));
    CHECK_THAT(message, Catch::Contains("unknown setting 'dbHots'"));
    CHECK_THAT(message, Catch::Contains(file.path()));
    CHECK_THAT(message, Catch::Contains("did you mean 'dbHost'?"));
  }
  SECTION("a typo in another case") {
    temp_yaml file{"HTTPPORTS: 8081\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains("did you mean 'httpPort'?"));
  }
  SECTION("a secret's file variant misspelt") {
    temp_yaml file{"dbPasswordFil: /run/secrets/db\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains("did you mean 'dbPasswordFile'?"));
  }
  SECTION("a key the reference may carry and we do not read") {
    temp_yaml file{"dbHost: a\nsomeReferenceOnlyKey: {nested: [1, 2]}\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains("unknown setting 'someReferenceOnlyKey'"));
  }
  SECTION("a file variant of a setting that is no secret") {
    temp_yaml file{"dbHostFile: /x\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains("unknown setting 'dbHostFile'"));
  }
  SECTION("a key that is not a plain name") {
    temp_yaml file{"[dbHost]: a\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains(file.path()));
  }
  SECTION("the example and docker files carry only known keys") {
    auto dir = std::filesystem::path{__FILE__}
                 .parent_path()
                 .parent_path()
                 .parent_path()
               / "config";
    for (const auto* name : {"semiasync.example.yaml", "docker.yaml"}) {
      INFO(name);
      ok(load({"--config=" + (dir / name).string()}, env));
    }
  }
}

TEST_CASE("misspelt environment variables are warned about, not refused") {
  SECTION("a typo of a setting's variable, naming the one meant") {
    auto found = environment_warnings({"SEMIASYNC_DB_HOTS", "PATH"});
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0], Catch::Contains("SEMIASYNC_DB_HOTS"));
    CHECK_THAT(found[0], Catch::Contains("did you mean SEMIASYNC_DB_HOST?"));
  }
  SECTION("a _FILE variant of a setting that is no secret") {
    auto found = environment_warnings({"SEMIASYNC_DB_HOST_FILE"});
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0], Catch::Contains("only secrets"));
  }
  SECTION("the variables we read, and our tooling's own, pass silently") {
    CHECK(environment_warnings(
            {"SEMIASYNC_CONFIG",        "SEMIASYNC_DB_HOST",
             "SEMIASYNC_DB_PASSWORD",   "SEMIASYNC_DB_PASSWORD_FILE",
             "SEMIASYNC_KAFKA_BROKERS", "SEMIASYNC_TEST_KAFKA",
             "SEMIASYNC_TEST_DB_HOST",  "SEMIASYNC_TEST_DB_PORT",
             "SEMIASYNC_TEST_BINARY",   "SEMIASYNC_PARTITIONS",
             "SEMIASYNC_HISTORY_SEED",  "SEMIASYNC_BUILD_DIR",
             "SEMIASYNC_KEEP_STACK",    "SEMIASYNC_SIM_SEED",
             "SEMIASYNC_ROOT",          "SEMIASYNC_STATE",
             "SEMIASYNC_JOBS",          "SEMIASYNC_BENCH",
             "SEMIASYNC_TESTS",         "SEMIASYNC_SCRIPT",
             "SEMIASYNC_SANITIZE",      "SEMIASYNC_FUZZ",
             "SEMIASYNC_MIGRATE_WAIT",  "HOME"})
            .empty());
  }
  SECTION("loading itself is not changed by an unknown variable") {
    CHECK(ok(load({}, fake_env({{"SEMIASYNC_DB_HOTS", "x"}}))).values.db_host
          == "127.0.0.1");
  }
}

TEST_CASE("an unknown option near a known one names it") {
  auto message = error_of(load({"--db-hots=x"}, fake_env({})));
  CHECK_THAT(message, Catch::Contains("unknown option --db-hots"));
  CHECK_THAT(message, Catch::Contains("did you mean --db-host?"));
}

TEST_CASE("kafkaBrokers: commas, blanks or a YAML list, the same list") {
  auto env = fake_env({});
  SECTION("space-separated in the file, as the reference accepts") {
    temp_yaml file{"kafkaBrokers: k1:9092 k2:9092\n"};
    CHECK(ok(load({"--config=" + file.path()}, env)).values.kafka_brokers
          == "k1:9092,k2:9092");
  }
  SECTION("space-separated from the environment and a flag") {
    CHECK(
      ok(load({}, fake_env({{"SEMIASYNC_KAFKA_BROKERS", "e1:1  e2:2\te3:3"}})))
        .values.kafka_brokers
      == "e1:1,e2:2,e3:3");
    CHECK(ok(load({"--kafka-brokers=f1:1 f2:2"}, env)).values.kafka_brokers
          == "f1:1,f2:2");
  }
  SECTION("commas and blanks mixed, empty entries ignored") {
    CHECK(
      ok(load({"--kafka-brokers= a:1, b:2 ,,c:3 , "}, env)).values.kafka_brokers
      == "a:1,b:2,c:3");
  }
  SECTION("a YAML list whose items hold either form") {
    temp_yaml file{"kafkaBrokers:\n  - a:1\n  - \"b:2 c:3\"\n  - \"\"\n"};
    CHECK(ok(load({"--config=" + file.path()}, env)).values.kafka_brokers
          == "a:1,b:2,c:3");
  }
  SECTION("no broker at all is refused") {
    CHECK_THAT(error_of(load({"--kafka-brokers= , "}, env)),
               Catch::Contains("kafkaBrokers"));
  }
}

TEST_CASE("precedence is flag > environment > file > default") {
  temp_yaml file{reference_yaml};
  auto config = "--config=" + file.path();
  env_map vars{{"SEMIASYNC_DB_HOST", "env-host"},
               {"SEMIASYNC_DB_PORT", "4000"},
               {"SEMIASYNC_KAFKA_BROKERS", "e1:1,e2:2"}};
  SECTION("environment overrides the file") {
    auto v = ok(load({config}, fake_env(vars))).values;
    CHECK(v.db_host == "env-host");
    CHECK(v.db_port == 4000);
    CHECK(v.kafka_brokers == "e1:1,e2:2");
    CHECK(v.db_user == "alice");
  }
  SECTION("a flag overrides the environment, --flag=value form") {
    auto v = ok(load({config, "--db-host=flag-host"}, fake_env(vars))).values;
    CHECK(v.db_host == "flag-host");
    CHECK(v.db_port == 4000);
  }
  SECTION("a flag overrides the environment, --flag value form") {
    auto v = ok(load({"--db-port", "5000", config}, fake_env(vars))).values;
    CHECK(v.db_port == 5000);
    CHECK(v.db_host == "env-host");
  }
  SECTION("an empty environment variable counts as unset") {
    vars["SEMIASYNC_DB_HOST"] = "";
    CHECK(ok(load({config}, fake_env(vars))).values.db_host == "db.example");
  }
}

TEST_CASE("positional arguments are kept") {
  auto result = ok(load({"server", "--http-port=9000"}, fake_env({})));
  CHECK(result.positional == std::vector<std::string>{"server"});
  CHECK(result.values.http_port == 9000);
  SECTION("after --, everything is positional") {
    auto after = ok(load({"worker", "--", "--db-host"}, fake_env({})));
    CHECK(after.positional == std::vector<std::string>{"worker", "--db-host"});
  }
}

TEST_CASE("bad input is an error naming what is wrong") {
  auto env = fake_env({});
  SECTION("numbers must parse fully") {
    auto message = error_of(load({"--db-port=12abc"}, env));
    CHECK_THAT(message, Catch::Contains("dbPort"));
    CHECK_THAT(message, Catch::Contains("--db-port"));
  }
  SECTION("negative and out-of-range ports are rejected") {
    CHECK_THAT(error_of(load({"--http-port", "-1"}, env)),
               Catch::Contains("httpPort"));
    CHECK_THAT(error_of(load({"--http-port=65536"}, env)),
               Catch::Contains("httpPort"));
    CHECK_THAT(error_of(load({"--db-port=0"}, env)), Catch::Contains("dbPort"));
  }
  SECTION("an environment value names the variable") {
    auto message
      = error_of(load({}, fake_env({{"SEMIASYNC_HTTP_THREADS", "0"}})));
    CHECK_THAT(message, Catch::Contains("httpThreads"));
    CHECK_THAT(message, Catch::Contains("SEMIASYNC_HTTP_THREADS"));
  }
  SECTION("a file value names the file and key") {
    temp_yaml file{"maxBodyBytes: lots\n"};
    auto message = error_of(load({"--config=" + file.path()}, env));
    CHECK_THAT(message, Catch::Contains("maxBodyBytes"));
    CHECK_THAT(message, Catch::Contains(file.path()));
  }
  SECTION("a list where one value belongs") {
    temp_yaml file{"dbHost: [a, b]\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains("dbHost"));
  }
  SECTION("malformed YAML names the file") {
    temp_yaml file{"dbHost: [unclosed\n"};
    CHECK_THAT(error_of(load({"--config=" + file.path()}, env)),
               Catch::Contains(file.path()));
  }
  SECTION("a missing config file names the path") {
    auto missing = (std::filesystem::temp_directory_path()
                    / "semiasync_config_test_does_not_exist.yaml")
                     .string();
    CHECK_THAT(error_of(load({"--config=" + missing}, env)),
               Catch::Contains(missing));
  }
  SECTION("unknown options") {
    CHECK_THAT(error_of(load({"--foo"}, env)),
               Catch::Contains("unknown option --foo"));
    CHECK_THAT(error_of(load({"--foo=1"}, env)),
               Catch::Contains("unknown option --foo"));
    CHECK_THAT(error_of(load({"-x"}, env)), Catch::Contains("unknown option"));
  }
  SECTION("a flag without its value") {
    CHECK_THAT(error_of(load({"--db-host"}, env)),
               Catch::Contains("--db-host"));
  }
  SECTION("a log level outside the list") {
    CHECK_THAT(error_of(load({"--log-level=loud"}, env)),
               Catch::Contains("logLevel"));
  }
  SECTION("timeouts: reply at most a minute, produce below reply") {
    CHECK_THAT(error_of(load({"--reply-timeout-ms=60001"}, env)),
               Catch::Contains("replyTimeoutMs"));
    CHECK_THAT(error_of(load({"--max-in-flight=0"}, env)),
               Catch::Contains("maxInFlight"));
    CHECK_THAT(error_of(load({"--produce-timeout-ms=5000"}, env)),
               Catch::Contains("produceTimeoutMs"));
  }
}

TEST_CASE("ui is a switch, off unless asked for") {
  CHECK_FALSE(ok(load({}, fake_env({}))).values.ui);
  CHECK(ok(load({"--ui=true"}, fake_env({}))).values.ui);
  CHECK(ok(load({}, fake_env({{"SEMIASYNC_UI", "TRUE"}}))).values.ui);
  CHECK_FALSE(
    ok(load({"--ui", "false"}, fake_env({{"SEMIASYNC_UI", "1"}}))).values.ui);
  temp_yaml file{"ui: yes\n"};
  CHECK(ok(load({"--config=" + file.path()}, fake_env({}))).values.ui);
  SECTION("anything else is refused, naming the key") {
    for (std::string text : {"", "2", "enabled", "truee"}) {
      CAPTURE(text);
      auto message = error_of(load({"--ui=" + text}, fake_env({})));
      CHECK_THAT(message, Catch::Contains("ui")
                            && Catch::Contains("expected true or false"));
    }
    CHECK_THAT(error_of(load({}, fake_env({{"SEMIASYNC_UI", "maybe"}}))),
               Catch::Contains("SEMIASYNC_UI"));
  }
}

TEST_CASE("--help lists every setting") {
  SECTION("--help and -h set help, even next to a bad option") {
    CHECK(ok(load({"--help"}, fake_env({}))).help);
    CHECK(ok(load({"server", "-h", "--foo"}, fake_env({}))).help);
  }
  SECTION("help_text names every flag, env name and key") {
    auto text = help_text("semiasync");
    CHECK_THAT(text, Catch::Contains("SEMIASYNC_CONFIG"));
    for (const auto& entry : setting_table()) {
      CHECK_THAT(text, Catch::Contains(env_name(entry.key)));
      CHECK_THAT(text, Catch::Contains(flag_name(entry.key)));
      CHECK_THAT(text, Catch::Contains(entry.key));
    }
  }
  SECTION("the password's default is the demo's, and says so") {
    // It said "secret (no default shown)" while the default was root.
    auto text = help_text("semiasync");
    auto begin = text.find("--db-password=");
    REQUIRE(begin != std::string::npos);
    auto block = text.substr(begin, text.find("\n  --", begin) - begin);
    CHECK_THAT(block, Catch::Contains("secret, default root (the local "
                                      "demo's; set your own)"));
    CHECK_THAT(block, !Catch::Contains("no default shown"));
  }
  SECTION("secrets with empty defaults say so") {
    auto text = help_text("semiasync");
    for (auto flag : {"--kafka-sasl-password=", "--idempotency-secret="}) {
      CAPTURE(flag);
      auto begin = text.find(flag);
      REQUIRE(begin != std::string::npos);
      auto block = text.substr(begin, text.find("\n  --", begin) - begin);
      CHECK_THAT(block, Catch::Contains("secret, default (empty)"));
    }
  }
}

TEST_CASE("secrets can come from files, never shown") {
  temp_yaml secret_file{"from-file\n"};
  SECTION("an environment variable naming the file") {
    auto v
      = ok(load({},
                fake_env({{"SEMIASYNC_DB_PASSWORD_FILE", secret_file.path()}})))
          .values;
    CHECK(v.db_password == "from-file");
  }
  SECTION("a flag naming the file") {
    auto v
      = ok(load({"--db-password-file=" + secret_file.path()}, fake_env({})))
          .values;
    CHECK(v.db_password == "from-file");
  }
  SECTION("a config key naming the file") {
    temp_yaml config{"dbPasswordFile: " + secret_file.path() + "\n"};
    auto v = ok(load({"--config=" + config.path()}, fake_env({}))).values;
    CHECK(v.db_password == "from-file");
  }
  SECTION("the value itself wins over a file at the same level") {
    auto v
      = ok(load({},
                fake_env({{"SEMIASYNC_DB_PASSWORD", "direct"},
                          {"SEMIASYNC_DB_PASSWORD_FILE", secret_file.path()}})))
          .values;
    CHECK(v.db_password == "direct");
  }
  SECTION("a flag's file beats the environment") {
    auto v = ok(load({"--db-password-file=" + secret_file.path()},
                     fake_env({{"SEMIASYNC_DB_PASSWORD", "env"}})))
               .values;
    CHECK(v.db_password == "from-file");
  }
  SECTION("a missing file is an error naming the path, not a secret") {
    auto message
      = error_of(load({}, fake_env({{"SEMIASYNC_DB_PASSWORD", "hunter2"},
                                    {"SEMIASYNC_KAFKA_SASL_PASSWORD_FILE",
                                     "/nonexistent/secret"}})));
    CHECK_THAT(message, Catch::Contains("/nonexistent/secret"));
    CHECK_THAT(message, Catch::Contains("kafkaSaslPassword"));
    CHECK_THAT(message, !Catch::Contains("hunter2"));
  }
  SECTION("only secrets have file variants") {
    CHECK_THAT(error_of(load({"--db-host-file=/x"}, fake_env({}))),
               Catch::Contains("unknown option --db-host-file"));
  }
}

TEST_CASE("--help names the file variants and shows no secret") {
  auto text = help_text("semiasync");
  CHECK_THAT(text, Catch::Contains("--db-password-file"));
  CHECK_THAT(text, Catch::Contains("SEMIASYNC_DB_PASSWORD_FILE"));
  CHECK_THAT(text, Catch::Contains("dbPasswordFile"));
  CHECK_THAT(text, Catch::Contains("SEMIASYNC_KAFKA_SASL_PASSWORD_FILE"));
  CHECK_THAT(text, Catch::Contains("SEMIASYNC_IDEMPOTENCY_SECRET_FILE"));
  CHECK_THAT(text, Catch::Contains("idempotencySecretFile"));
}

TEST_CASE("idempotencySecret is a secret of at least 16 bytes") {
  SECTION("none by default") {
    CHECK(ok(load({}, fake_env({}))).values.idempotency_secret.empty());
  }
  SECTION("a short one is refused, naming the key and not the value") {
    auto message = error_of(
      load({}, fake_env({{"SEMIASYNC_IDEMPOTENCY_SECRET", "hunter2-short"}})));
    CHECK_THAT(message, Catch::Contains("idempotencySecret"));
    CHECK_THAT(message, Catch::Contains("16 bytes"));
    CHECK_THAT(message, !Catch::Contains("hunter2"));
    CHECK_THAT(
      error_of(load({"--idempotency-secret=0123456789abcde"}, fake_env({}))),
      Catch::Contains("idempotencySecret"));
  }
  SECTION("16 bytes are enough") {
    auto v = ok(load({"--idempotency-secret=0123456789abcdef"}, fake_env({})))
               .values;
    CHECK(v.idempotency_secret == "0123456789abcdef");
  }
  SECTION("from a file, by environment, flag or config key") {
    temp_yaml secret_file{"0123456789abcdef-from-file\n"};
    CHECK(ok(load({}, fake_env({{"SEMIASYNC_IDEMPOTENCY_SECRET_FILE",
                                 secret_file.path()}})))
            .values.idempotency_secret
          == "0123456789abcdef-from-file");
    CHECK(ok(load({"--idempotency-secret-file=" + secret_file.path()},
                  fake_env({})))
            .values.idempotency_secret
          == "0123456789abcdef-from-file");
    temp_yaml config{"idempotencySecretFile: " + secret_file.path() + "\n"};
    CHECK(ok(load({"--config=" + config.path()}, fake_env({})))
            .values.idempotency_secret
          == "0123456789abcdef-from-file");
  }
  SECTION("a short one from a file is refused without its path's contents") {
    temp_yaml secret_file{"tiny-secret\n"};
    auto message = error_of(
      load({"--idempotency-secret-file=" + secret_file.path()}, fake_env({})));
    CHECK_THAT(message, Catch::Contains("idempotencySecret"));
    CHECK_THAT(message, !Catch::Contains("tiny-secret"));
  }
}

TEST_CASE("idempotencyScopeHeader is a header name or empty") {
  SECTION("empty by default: keys are global") {
    CHECK(ok(load({}, fake_env({}))).values.idempotency_scope_header.empty());
  }
  SECTION("a header name") {
    for (std::string name : {"X-Client-Id", "Authorization", "x_tenant.id~1"}) {
      CAPTURE(name);
      CHECK(ok(load({"--idempotency-scope-header=" + name}, fake_env({})))
              .values.idempotency_scope_header
            == name);
    }
  }
  SECTION("anything else is refused, naming the key") {
    for (std::string name :
         {"X-Client Id", "X-Client-Id:", "caf\xC3\xA9", "a\tb", "(id)"}) {
      CAPTURE(name);
      CHECK_THAT(error_of(load({}, fake_env({{"SEMIASYNC_IDEMPOTENCY_SCOPE_"
                                              "HEADER",
                                              name}}))),
                 Catch::Contains("idempotencyScopeHeader")
                   && Catch::Contains("header name"));
    }
  }
}

TEST_CASE("librdkafka properties pass through") {
  SECTION("from the environment, ';'-separated") {
    auto v = ok(load({}, fake_env({{"SEMIASYNC_KAFKA_PROPERTIES",
                                    " security.protocol=SASL_SSL; "
                                    "ssl.cipher.suites=A,B;;"}})))
               .values;
    CHECK(v.kafka_properties
          == env_map{{"security.protocol", "SASL_SSL"},
                     {"ssl.cipher.suites", "A,B"}});
    auto overrides = v.kafka_overrides();
    CHECK(overrides.size() == 2);
    CHECK(overrides["security.protocol"] == "SASL_SSL");
    CHECK(overrides["ssl.cipher.suites"] == "A,B");
  }
  SECTION("from a YAML map, with the SASL password from its own setting") {
    temp_yaml config{"kafkaProperties:\n"
                     "  security.protocol: SASL_SSL\n"
                     "  sasl.mechanism: PLAIN\n"
                     "kafkaSaslPassword: pw\n"};
    auto v = ok(load({"--config=" + config.path()}, fake_env({}))).values;
    auto overrides = v.kafka_overrides();
    CHECK(overrides["security.protocol"] == "SASL_SSL");
    CHECK(overrides["sasl.mechanism"] == "PLAIN");
    CHECK(overrides["sasl.password"] == "pw");
  }
  SECTION("none by default") {
    CHECK(ok(load({}, fake_env({}))).values.kafka_overrides().empty());
  }
  SECTION("an entry without '=' is an error that does not echo the value") {
    auto message
      = error_of(load({"--kafka-properties=sasl.password"}, fake_env({})));
    CHECK_THAT(message, Catch::Contains("kafkaProperties"));
    CHECK_THAT(message, Catch::Contains("name=value"));
  }
}
