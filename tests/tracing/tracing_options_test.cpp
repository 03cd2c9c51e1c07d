#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "tracing/tracing_options.hpp"

using namespace semiasync::tracing;

namespace {

using variables = std::map<std::string, std::string>;

const std::string service = "semiasync-server";

/// An environment that holds exactly `vars`: the real one is never read.
environment env_of(variables vars) {
  return [vars = std::move(vars)](
           const std::string& name) -> std::optional<std::string> {
    if (auto i = vars.find(name); i != vars.end()) return i->second;
    return std::nullopt;
  };
}

tracing_decision decide(const variables& vars,
                        const tracing_settings& own = {}) {
  return decide_tracing(own, env_of(vars), service);
}

/// The options of a decision that must turn tracing on.
tracing_options on(const tracing_decision& decision) {
  if (auto off = std::get_if<tracing_off>(&decision))
    FAIL("tracing off: " << off->reason);
  if (auto refusal = std::get_if<tracing_refusal>(&decision))
    FAIL("refused: " << refusal->message);
  return std::get<tracing_options>(decision);
}

/// The reason of a decision that must turn tracing off.
std::string off(const tracing_decision& decision) {
  REQUIRE(std::holds_alternative<tracing_off>(decision));
  return std::get<tracing_off>(decision).reason;
}

/// The message of a decision that must be a refusal.
std::string refused(const tracing_decision& decision) {
  if (auto options = std::get_if<tracing_options>(&decision))
    FAIL("accepted: " << describe(*options));
  REQUIRE(std::holds_alternative<tracing_refusal>(decision));
  return std::get<tracing_refusal>(decision).message;
}

/// Whether `text` starts with `name` and a colon, as refusals do.
bool names(const std::string& text, const std::string& name) {
  return text.rfind(name + ":", 0) == 0;
}

const std::string endpoint_var = "OTEL_EXPORTER_OTLP_ENDPOINT";
const std::string traces_endpoint_var = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const variables with_endpoint = {{endpoint_var, "http://collector:4318"}};

/// `with_endpoint` plus `vars`.
variables plus(variables vars) {
  vars.insert(with_endpoint.begin(), with_endpoint.end());
  return vars;
}

} // namespace

TEST_CASE("tracing: tracing is off unless an endpoint is set") {
  SECTION("nothing set: off, and the reason says where to set one") {
    auto reason = off(decide({}));
    CHECK_THAT(reason, Catch::Contains("tracesEndpoint"));
    CHECK_THAT(reason, Catch::Contains(endpoint_var));
    CHECK_THAT(reason, Catch::Contains(traces_endpoint_var));
  }
  SECTION("other OTEL variables alone do not turn it on") {
    off(decide({{"OTEL_TRACES_SAMPLER", "always_on"},
                {"OTEL_SERVICE_NAME", "svc"},
                {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}));
  }
  SECTION("empty variables count as unset") {
    off(decide({{endpoint_var, ""}, {traces_endpoint_var, ""}}));
  }
}

TEST_CASE(
  "tracing: OTEL_SDK_DISABLED=true turns tracing off, whatever else is set") {
  for (std::string value : {"true", "TRUE", "True"}) {
    INFO("OTEL_SDK_DISABLED=" << value);
    auto reason = off(decide({{"OTEL_SDK_DISABLED", value},
                              {endpoint_var, "http://collector:4318"},
                              {traces_endpoint_var, "http://c:4318/v1/traces"}},
                             {"http://own:4318/v1/traces", "", "", ""}));
    CHECK_THAT(reason, Catch::Contains("OTEL_SDK_DISABLED"));
  }
  for (std::string value : {"false", "FALSE", "", "0", "no"}) {
    INFO("OTEL_SDK_DISABLED=" << value);
    on(decide(plus({{"OTEL_SDK_DISABLED", value}})));
  }
}

TEST_CASE(
  "tracing: the traces endpoint comes from the setting, then the variables") {
  SECTION("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is") {
    CHECK(
      on(decide({{traces_endpoint_var, "http://c:4318/custom/path"}})).endpoint
      == "http://c:4318/custom/path");
    CHECK(on(decide({{traces_endpoint_var, "https://c/"}})).endpoint
          == "https://c/");
  }
  SECTION("OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended") {
    CHECK(on(decide({{endpoint_var, "http://h:4318"}})).endpoint
          == "http://h:4318/v1/traces");
    CHECK(on(decide({{endpoint_var, "http://h:4318/"}})).endpoint
          == "http://h:4318/v1/traces");
    CHECK(on(decide({{endpoint_var, "http://h:4318//"}})).endpoint
          == "http://h:4318/v1/traces");
    CHECK(on(decide({{endpoint_var, "https://h/otlp/"}})).endpoint
          == "https://h/otlp/v1/traces");
  }
  SECTION("the traces-specific variable wins over the base one") {
    CHECK(on(decide({{endpoint_var, "http://base:4318"},
                     {traces_endpoint_var, "http://traces:4318/v1/traces"}}))
            .endpoint
          == "http://traces:4318/v1/traces");
  }
  SECTION("an empty traces-specific variable defers to the base one") {
    CHECK(on(decide(
               {{endpoint_var, "http://base:4318"}, {traces_endpoint_var, ""}}))
            .endpoint
          == "http://base:4318/v1/traces");
  }
  SECTION("the setting tracesEndpoint wins over both variables") {
    tracing_settings own;
    own.endpoint = "http://own:4318/v1/traces";
    CHECK(on(decide({{endpoint_var, "http://base:4318"},
                     {traces_endpoint_var, "http://traces:4318/v1/traces"}},
                    own))
            .endpoint
          == "http://own:4318/v1/traces");
    // Even over a variable that would be refused: it is never read.
    CHECK(on(decide({{traces_endpoint_var, "nonsense"}}, own)).endpoint
          == own.endpoint);
  }
}

TEST_CASE(
  "tracing: an endpoint that is not an http(s) URL is refused, by name") {
  CHECK(names(refused(decide({{traces_endpoint_var, "grpc://c:4317"}})),
              traces_endpoint_var));
  CHECK(
    names(refused(decide({{endpoint_var, "collector:4318"}})), endpoint_var));
  CHECK(names(refused(decide({{endpoint_var, "http://"}})), endpoint_var));
  CHECK(names(refused(decide({{endpoint_var, "http:///v1"}})), endpoint_var));
  tracing_settings own;
  own.endpoint = "ftp://c/v1/traces";
  auto message = refused(decide(with_endpoint, own));
  CHECK(names(message, "tracesEndpoint"));
  CHECK_THAT(message, Catch::Contains("ftp://c/v1/traces"));
}

TEST_CASE(
  "tracing: the protocol: http/protobuf by default, http/json on request") {
  CHECK(on(decide(with_endpoint)).protocol == otlp_protocol::protobuf);
  CHECK(
    on(decide(plus({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}))).protocol
    == otlp_protocol::json);
  CHECK(on(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}})))
          .protocol
        == otlp_protocol::json);
  CHECK(
    on(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"}})))
      .protocol
    == otlp_protocol::protobuf);
  SECTION("the traces-specific variable wins") {
    CHECK(on(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                          {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}})))
            .protocol
          == otlp_protocol::json);
  }
  SECTION("the setting tracesProtocol wins over both") {
    tracing_settings own;
    own.protocol = "http/json";
    CHECK(
      on(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"}}), own))
        .protocol
      == otlp_protocol::json);
  }
  SECTION("grpc (not built in) and unknown names are refused, by name") {
    CHECK(
      names(refused(decide(plus({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}))),
            "OTEL_EXPORTER_OTLP_PROTOCOL"));
    CHECK(names(
      refused(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"},
                           {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}))),
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"));
    CHECK(names(
      refused(decide(plus({{"OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/PROTOBUF"}}))),
      "OTEL_EXPORTER_OTLP_PROTOCOL"));
    tracing_settings own;
    own.protocol = "http";
    CHECK(names(refused(decide(with_endpoint, own)), "tracesProtocol"));
  }
}

TEST_CASE("tracing: samplers: the six standard names, parentbased_always_on by "
          "default") {
  CHECK(on(decide(with_endpoint)).sampler
        == sampler_kind::parent_based_always_on);
  const std::map<std::string, sampler_kind> all = {
    {"always_on", sampler_kind::always_on},
    {"always_off", sampler_kind::always_off},
    {"traceidratio", sampler_kind::trace_id_ratio},
    {"parentbased_always_on", sampler_kind::parent_based_always_on},
    {"parentbased_always_off", sampler_kind::parent_based_always_off},
    {"parentbased_traceidratio", sampler_kind::parent_based_trace_id_ratio},
  };
  for (const auto& [name, kind] : all) {
    INFO("sampler " << name);
    CHECK(parse_sampler(name) == kind);
    CHECK(on(decide(plus({{"OTEL_TRACES_SAMPLER", name}}))).sampler == kind);
    tracing_settings own;
    own.sampler = name;
    CHECK(on(decide(with_endpoint, own)).sampler == kind);
  }
  SECTION("the setting tracesSampler wins over the variable") {
    tracing_settings own;
    own.sampler = "always_off";
    CHECK(on(decide(plus({{"OTEL_TRACES_SAMPLER", "always_on"}}), own)).sampler
          == sampler_kind::always_off);
  }
  SECTION("an unknown name is refused, naming where it came from") {
    for (std::string name :
         {"parentbased_jaeger_remote", "xray", "ALWAYS_ON", "always-on"}) {
      INFO("sampler " << name);
      CHECK_FALSE(parse_sampler(name));
      auto message = refused(decide(plus({{"OTEL_TRACES_SAMPLER", name}})));
      CHECK(names(message, "OTEL_TRACES_SAMPLER"));
      CHECK_THAT(message, Catch::Contains(name));
      tracing_settings own;
      own.sampler = name;
      CHECK(names(refused(decide(with_endpoint, own)), "tracesSampler"));
    }
  }
}

TEST_CASE("tracing: the sampler argument is a ratio in [0, 1]") {
  CHECK(on(decide(with_endpoint)).ratio == 1.0);
  auto ratio_of = [](const std::string& arg) {
    return on(decide(plus({{"OTEL_TRACES_SAMPLER", "traceidratio"},
                           {"OTEL_TRACES_SAMPLER_ARG", arg}})))
      .ratio;
  };
  CHECK(ratio_of("0.01") == Approx(0.01));
  CHECK(ratio_of("0") == 0.0);
  CHECK(ratio_of("1") == 1.0);
  CHECK(ratio_of("0.5") == 0.5);
  SECTION("the setting tracesSamplerArg wins over the variable") {
    tracing_settings own;
    own.sampler_arg = "0.25";
    CHECK(on(decide(plus({{"OTEL_TRACES_SAMPLER_ARG", "0.75"}}), own)).ratio
          == 0.25);
  }
  SECTION("anything else is refused, by name") {
    for (std::string arg : {"1.5", "-0.1", "abc", "0.5x", "nan", "inf"}) {
      INFO("OTEL_TRACES_SAMPLER_ARG=" << arg);
      CHECK_FALSE(parse_ratio(arg));
      auto message
        = refused(decide(plus({{"OTEL_TRACES_SAMPLER", "traceidratio"},
                               {"OTEL_TRACES_SAMPLER_ARG", arg}})));
      CHECK(names(message, "OTEL_TRACES_SAMPLER_ARG"));
      CHECK_THAT(message, Catch::Contains(arg));
    }
    tracing_settings own;
    own.sampler_arg = "2";
    CHECK(names(refused(decide(with_endpoint, own)), "tracesSamplerArg"));
  }
}

TEST_CASE("tracing: the export timeout is in milliseconds, 3000 by default") {
  CHECK(on(decide(with_endpoint)).export_timeout
        == std::chrono::milliseconds{3000});
  CHECK(
    on(decide(plus({{"OTEL_EXPORTER_OTLP_TIMEOUT", "3000"}}))).export_timeout
    == std::chrono::milliseconds{3000});
  CHECK(on(decide(plus({{"OTEL_EXPORTER_OTLP_TIMEOUT", "250"}}))).export_timeout
        == std::chrono::milliseconds{250});
  SECTION("the traces-specific variable wins") {
    CHECK(on(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1500"},
                          {"OTEL_EXPORTER_OTLP_TIMEOUT", "10"}})))
            .export_timeout
          == std::chrono::milliseconds{1500});
  }
  SECTION("a unit, zero or no number is refused, by name") {
    for (std::string value : {"3s", "0", "-1", "1.5", "abc"}) {
      INFO("OTEL_EXPORTER_OTLP_TIMEOUT=" << value);
      CHECK(
        names(refused(decide(plus({{"OTEL_EXPORTER_OTLP_TIMEOUT", value}}))),
              "OTEL_EXPORTER_OTLP_TIMEOUT"));
    }
    CHECK(names(
      refused(decide(plus({{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "3s"}}))),
      "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"));
  }
}

TEST_CASE(
  "tracing: service.name: OTEL_SERVICE_NAME, else the process's default") {
  CHECK(on(decide(with_endpoint)).service_name == service);
  CHECK(on(decide(plus({{"OTEL_SERVICE_NAME", ""}}))).service_name == service);
  CHECK(on(decide(plus({{"OTEL_SERVICE_NAME", "checkout"}}))).service_name
        == "checkout");
}

TEST_CASE(
  "tracing: describe names the endpoint, the protocol and the sampler") {
  auto options = on(decide(plus({{"OTEL_SERVICE_NAME", "checkout"}})));
  auto line = describe(options);
  CHECK_THAT(line, Catch::Contains("http://collector:4318/v1/traces"));
  CHECK_THAT(line, Catch::Contains("http/protobuf"));
  CHECK_THAT(line, Catch::Contains("parentbased_always_on"));
  CHECK_THAT(line, Catch::Contains("checkout"));
  options.protocol = otlp_protocol::json;
  options.sampler = sampler_kind::parent_based_trace_id_ratio;
  options.ratio = 0.25;
  line = describe(options);
  CHECK_THAT(line, Catch::Contains("http/json"));
  CHECK_THAT(line, Catch::Contains("parentbased_traceidratio"));
  CHECK_THAT(line, Catch::Contains("0.25"));
}
