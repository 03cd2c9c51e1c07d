#include "tracing/tracing_options.hpp"

#include <cctype>
#include <cstdlib>
#include <utility>

namespace semiasync::tracing {

namespace {

constexpr std::pair<std::string_view, sampler_kind> sampler_names[] = {
  {"always_on", sampler_kind::always_on},
  {"always_off", sampler_kind::always_off},
  {"traceidratio", sampler_kind::trace_id_ratio},
  {"parentbased_always_on", sampler_kind::parent_based_always_on},
  {"parentbased_always_off", sampler_kind::parent_based_always_off},
  {"parentbased_traceidratio", sampler_kind::parent_based_trace_id_ratio},
};

/// A value and the name it came from, for refusals.
struct named_value {
  std::string name;
  std::string value;
};

/// The first non-empty of: our setting, then each variable in order. An
/// empty variable counts as unset, as the specification says.
std::optional<named_value>
first_set(const environment& env, std::string_view setting_key,
          const std::string& setting_value,
          std::initializer_list<const char*> variables) {
  if (!setting_value.empty())
    return named_value{std::string{setting_key}, setting_value};
  for (const char* name : variables)
    if (auto value = env(name); value && !value->empty())
      return named_value{name, *value};
  return std::nullopt;
}

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_ratio_sampler(sampler_kind kind) {
  return kind == sampler_kind::trace_id_ratio
         || kind == sampler_kind::parent_based_trace_id_ratio;
}

/// Milliseconds as OTEL_EXPORTER_OTLP_TIMEOUT gives them: a whole number.
std::optional<std::chrono::milliseconds> parse_millis(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value == 0) return std::nullopt;
  return std::chrono::milliseconds{value};
}

/// The refusal of `value`, where `expected` says what would do.
tracing_refusal refusal(const named_value& value, std::string_view expected) {
  return {value.name + ": expected " + std::string{expected} + ", got '"
          + value.value + "'"};
}

} // namespace

bool is_http_url(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"})
    if (url.substr(0, scheme.size()) == scheme)
      return url.size() > scheme.size() && url[scheme.size()] != '/';
  return false;
}

std::optional<sampler_kind> parse_sampler(std::string_view name) {
  for (const auto& [text, kind] : sampler_names)
    if (name == text) return kind;
  return std::nullopt;
}

std::optional<otlp_protocol> parse_protocol(std::string_view name) {
  if (name == "http/protobuf") return otlp_protocol::protobuf;
  if (name == "http/json") return otlp_protocol::json;
  return std::nullopt;
}

std::optional<double> parse_ratio(std::string_view text) {
  std::string copy{text};
  if (copy.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !(value >= 0.0 && value <= 1.0))
    return std::nullopt;
  return value;
}

tracing_decision decide_tracing(const tracing_settings& own,
                                const environment& env,
                                std::string_view default_service) {
  if (auto disabled = env("OTEL_SDK_DISABLED");
      disabled && lower(*disabled) == "true")
    return tracing_off{"OTEL_SDK_DISABLED=true"};
  tracing_options result;
  if (auto url = first_set(env, "tracesEndpoint", own.endpoint,
                           {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"})) {
    result.endpoint = url->value;
    if (!is_http_url(result.endpoint))
      return refusal(*url, "an http:// or https:// URL");
  } else if (auto base
             = first_set(env, "", "", {"OTEL_EXPORTER_OTLP_ENDPOINT"})) {
    if (!is_http_url(base->value))
      return refusal(*base, "an http:// or https:// URL");
    // The signal's path goes after the base URL's own, with one slash.
    auto url = base->value;
    while (!url.empty() && url.back() == '/')
      url.pop_back();
    result.endpoint = url + "/v1/traces";
  } else {
    return tracing_off{"no OTLP endpoint is set (tracesEndpoint, "
                       "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "
                       "OTEL_EXPORTER_OTLP_ENDPOINT)"};
  }
  if (auto protocol = first_set(env, "tracesProtocol", own.protocol,
                                {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                                 "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    auto parsed = parse_protocol(protocol->value);
    if (!parsed) return refusal(*protocol, "http/protobuf or http/json");
    result.protocol = *parsed;
  }
  if (auto sampler
      = first_set(env, "tracesSampler", own.sampler, {"OTEL_TRACES_SAMPLER"})) {
    auto parsed = parse_sampler(sampler->value);
    if (!parsed)
      return refusal(*sampler, "one of " + std::string{sampler_choices});
    result.sampler = *parsed;
  }
  if (auto arg = first_set(env, "tracesSamplerArg", own.sampler_arg,
                           {"OTEL_TRACES_SAMPLER_ARG"})) {
    // The argument of a sampler that takes none is ignored, as the
    // specification says; one that is not a ratio is refused all the same,
    // since it shows a mistake.
    auto parsed = parse_ratio(arg->value);
    if (!parsed) return refusal(*arg, "a ratio between 0 and 1");
    result.ratio = *parsed;
  }
  if (auto timeout = first_set(
        env, "", "",
        {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"})) {
    auto parsed = parse_millis(timeout->value);
    if (!parsed)
      return refusal(*timeout, "milliseconds (a positive whole number)");
    result.export_timeout = *parsed;
  }
  auto service = env("OTEL_SERVICE_NAME");
  result.service_name
    = service && !service->empty() ? *service : std::string{default_service};
  return result;
}

std::string describe(const tracing_options& options) {
  std::string sampler;
  for (const auto& [text, kind] : sampler_names)
    if (kind == options.sampler) sampler = std::string{text};
  if (is_ratio_sampler(options.sampler))
    sampler += " " + std::to_string(options.ratio);
  return "exporting traces to " + options.endpoint + " ("
         + (options.protocol == otlp_protocol::json ? "http/json"
                                                    : "http/protobuf")
         + ") as " + options.service_name + ", sampler " + sampler;
}

} // namespace semiasync::tracing
