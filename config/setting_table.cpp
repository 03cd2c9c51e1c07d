#include "config/setting_table.hpp"

#include "config/partition_list.hpp"

#include <cctype>
#include <charconv>
#include <map>

#include "tracing/tracing_options.hpp"

namespace semiasync::config {

namespace {

using refine_fn = std::function<problem(std::string&)>;

problem parse_whole(const std::string& text, unsigned long long min,
                    unsigned long long max, unsigned long long& out) {
  unsigned long long value = 0;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), last, value);
  // from_chars rejects signs for unsigned types, so "-1" lands here too.
  if (text.empty() || ec == std::errc::invalid_argument || ptr != last)
    return "expected a non-negative whole number";
  if (ec == std::errc::result_out_of_range || value < min || value > max)
    return "expected a number in " + std::to_string(min) + ".."
           + std::to_string(max);
  out = value;
  return std::nullopt;
}

bool has_space(const std::string& text) {
  for (unsigned char c : text)
    if (std::isspace(c)) return true;
  return false;
}

problem any_text(std::string&) {
  return std::nullopt;
}

problem word(std::string& text) {
  if (text.empty()) return "must not be empty";
  if (has_space(text)) return "must not contain whitespace";
  return std::nullopt;
}

// The traces* settings take what tracing/tracing_options.cpp takes from the
// OTEL_* variables, refused at load so the message names the key.
problem url_or_empty(std::string& text) {
  if (text.empty() || (tracing::is_http_url(text) && !has_space(text)))
    return std::nullopt;
  return "expected an http:// or https:// URL";
}

problem protocol_or_empty(std::string& text) {
  if (text.empty() || tracing::parse_protocol(text)) return std::nullopt;
  return "expected http/protobuf or http/json";
}

problem sampler_or_empty(std::string& text) {
  if (text.empty() || tracing::parse_sampler(text)) return std::nullopt;
  return "expected one of " + std::string{tracing::sampler_choices};
}

problem ratio_or_empty(std::string& text) {
  if (text.empty() || tracing::parse_ratio(text)) return std::nullopt;
  return "expected a ratio between 0 and 1";
}

problem topic_or_empty(std::string& text) {
  return kafka_topic_problem(text);
}

problem topic(std::string& text) {
  if (text.empty()) return "must not be empty";
  return topic_or_empty(text);
}

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Entries separated by ',' or blanks, as the reference also accepts
// "k1:9092 k2:9092"; normalised to "a,b" so every form gives librdkafka the
// same text. Empty entries ("a,,b", a trailing ',') are skipped.
problem broker_list(std::string& text) {
  std::string joined;
  std::string entry;
  auto take = [&] {
    if (entry.empty()) return;
    joined += (joined.empty() ? "" : ",") + entry;
    entry.clear();
  };
  for (char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c)))
      take();
    else
      entry += c;
  }
  take();
  if (joined.empty())
    return "expected host:port entries separated by ',' or blanks";
  text = std::move(joined);
  return std::nullopt;
}

problem routing(const std::string& text, outcome_routing& out) {
  auto parsed = outcome_routing_from(text);
  if (!parsed) return "expected broadcast or steered";
  out = *parsed;
  return std::nullopt;
}

std::string routing_text(const outcome_routing& value) {
  return std::string{to_string(value)};
}

// The secret keys every request ID derived from an Idempotency-Key: a
// short one could be found by trying them all against a known key's ID.
problem idempotency_secret(std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.size() < 16)
    return "must be empty or at least 16 bytes (e.g. openssl rand -hex 32)";
  if (text.size() > 4096) return "must be at most 4096 bytes";
  return std::nullopt;
}

// A field name is an RFC 9110 token; anything else never names a header a
// request can carry, so the scope would silently be the anonymous one.
problem header_name_or_empty(std::string& text) {
  static constexpr std::string_view token_symbols = "!#$%&'*+-.^_`|~";
  for (unsigned char c : text)
    if (c > 0x7F
        || (!std::isalnum(c)
            && token_symbols.find(static_cast<char>(c))
                 == std::string_view::npos))
      return "expected a header name (letters, digits and !#$%&'*+-.^_`|~)";
  return std::nullopt;
}

// As YAML 1.1 and most CLIs spell a switch, in any case.
problem boolean(const std::string& text, bool& out) {
  std::string lower;
  for (unsigned char c : text)
    lower += static_cast<char>(std::tolower(c));
  for (const char* yes : {"true", "1", "yes", "on"})
    if (lower == yes) {
      out = true;
      return std::nullopt;
    }
  for (const char* no : {"false", "0", "no", "off"})
    if (lower == no) {
      out = false;
      return std::nullopt;
    }
  return "expected true or false";
}

std::string boolean_text(const bool& value) {
  return value ? "true" : "false";
}

problem level(const std::string& text, log_level& out) {
  if (parse_log_level(text, out)) return std::nullopt;
  return "expected one of debug, info, warn, error";
}

std::string level_text(const log_level& value) {
  return std::string{log_level_name(value)};
}

/// Parses a setting's text into its type, or says why it cannot.
template <class T>
using parse_fn = std::function<problem(const std::string& text, T& out)>;

/// Renders a setting's value as its text.
template <class T>
using render_fn = std::function<std::string(const T& value)>;

// The one place a setting's text becomes the member's type: every reader
// of `settings` gets the parsed value.
template <class T>
setting parsed(std::string key, std::string description, std::string hint,
               T settings::*member, parse_fn<T> parse, render_fn<T> render,
               bool secret = false) {
  setting result;
  result.key = std::move(key);
  result.description = std::move(description);
  result.hint = std::move(hint);
  result.secret = secret;
  result.assign = [member, parse](settings& x, const std::string& text) {
    T value{};
    if (auto why = parse(text, value)) return why;
    x.*member = std::move(value);
    return problem{};
  };
  result.show = [member, render](const settings& x) {
    return render(x.*member);
  };
  return result;
}

setting text(std::string key, std::string description,
             std::string settings::*member, refine_fn refine,
             bool secret = false) {
  return parsed<std::string>(
    std::move(key), std::move(description), "<text>", member,
    [refine](const std::string& text, std::string& out) {
      out = text;
      return refine(out);
    },
    [](const std::string& value) {
      return value;
    },
    secret);
}

// librdkafka properties as "name=value" entries separated by ';' (values
// may hold ','), without blanks around names; a name given twice keeps its
// last value.
problem property_map(const std::string& text,
                     std::map<std::string, std::string>& out) {
  std::size_t begin = 0;
  while (begin <= text.size()) {
    auto end = text.find(';', begin);
    auto entry = text.substr(begin, end - begin);
    if (!trimmed(entry).empty()) {
      auto eq = entry.find('=');
      if (eq == std::string::npos)
        return "expected name=value entries separated by ';'";
      auto name = trimmed(entry.substr(0, eq));
      if (name.empty() || has_space(name))
        return "a librdkafka property name must not be empty or hold blanks";
      out[name] = entry.substr(eq + 1);
    }
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return std::nullopt;
}

std::string property_text(const std::map<std::string, std::string>& value) {
  std::string result;
  for (const auto& [name, text] : value)
    result += (result.empty() ? "" : ";") + name + "=" + text;
  return result;
}

// A secret whose default is published (the demo's password), so --help
// shows it with `note`.
setting public_default(setting entry, std::string note) {
  entry.public_default = std::move(note);
  return entry;
}

// The file may give this setting as a YAML map, joined as "k=v;k=v".
setting mappable(setting entry) {
  entry.map_allowed = true;
  return entry;
}

// The file may give this setting as a YAML list, joined with ','.
setting listable(setting entry) {
  entry.list_allowed = true;
  return entry;
}

template <class T>
setting number(std::string key, std::string description, T settings::*member,
               unsigned long long min, unsigned long long max,
               std::string hint = "<n>") {
  return parsed<T>(
    std::move(key), std::move(description), std::move(hint), member,
    [min, max](const std::string& text, T& out) {
      unsigned long long value = 0;
      if (auto why = parse_whole(text, min, max, value)) return why;
      out = static_cast<T>(value);
      return problem{};
    },
    [](const T& value) {
      return std::to_string(value);
    });
}

setting millis(std::string key, std::string description,
               std::chrono::milliseconds settings::*member,
               unsigned long long min, unsigned long long max) {
  return parsed<std::chrono::milliseconds>(
    std::move(key), std::move(description), "<ms>", member,
    [min, max](const std::string& text, std::chrono::milliseconds& out) {
      unsigned long long value = 0;
      if (auto why = parse_whole(text, min, max, value)) return why;
      out = std::chrono::milliseconds{value};
      return problem{};
    },
    [](const std::chrono::milliseconds& value) {
      return std::to_string(value.count());
    });
}

std::vector<setting> make_table() {
  using s = settings;
  constexpr unsigned long long max_port = 65535;
  std::vector<setting> result{
    text("dbHost", "MariaDB host, over TCP ('localhost' means the UNIX socket)",
         &s::db_host, word),
    number("dbPort", "MariaDB TCP port", &s::db_port, 1, max_port, "<port>"),
    text("dbUser", "MariaDB user", &s::db_user, word),
    public_default(
      text("dbPassword", "MariaDB password", &s::db_password, any_text, true),
      "the local demo's; set your own"),
    text("dbName", "MariaDB database holding the users", &s::db_name, word),
    listable(text(
      "kafkaBrokers",
      "Kafka bootstrap servers, host:port separated by ',' or blanks (a list "
      "in YAML)",
      &s::kafka_brokers, broker_list)),
    mappable(parsed<std::map<std::string, std::string>>(
      "kafkaProperties",
      "Extra librdkafka properties, name=value separated by ';' (a map in "
      "YAML), e.g. security.protocol=SASL_SSL",
      "<text>", &s::kafka_properties, property_map, property_text, true)),
    text("kafkaSaslPassword",
         "Kafka SASL password (sasl.password); prefer the _FILE variant",
         &s::kafka_sasl_password, any_text, true),
    text("idempotencySecret",
         "Key of the hash from an Idempotency-Key to its request ID, 16+ "
         "bytes, the same on every server; empty: the public UUIDv5 of the "
         "key, which anyone can compute",
         &s::idempotency_secret, idempotency_secret, true),
    text("idempotencyScopeHeader",
         "Header naming the client, e.g. X-Client-Id or Authorization, whose "
         "value scopes Idempotency-Keys (without it: the anonymous scope); "
         "empty: keys are global",
         &s::idempotency_scope_header, header_name_or_empty),
    number("httpPort", "HTTP port of the server", &s::http_port, 1, max_port,
           "<port>"),
    text("httpAddress", "HTTP address the server binds", &s::http_address,
         word),
    text("requestTopic", "Topic of create-user requests (server -> workers)",
         &s::request_topic, topic),
    text("outcomeTopic", "Topic of outcomes (workers -> servers)",
         &s::outcome_topic, topic),
    text("deadLetterTopic",
         "Topic for requests a worker cannot decode; empty: <requestTopic>.dlq",
         &s::dead_letter_topic, topic_or_empty),
    text("workerGroup", "Kafka consumer group shared by the workers",
         &s::worker_group, word),
    text("instanceId",
         "ID of this server instance; empty: generated at start-up",
         &s::instance_id, any_text),
    parsed<outcome_routing>(
      "outcomeRouting",
      "How a server gets its outcomes: broadcast (reads all; any worker) "
      "or steered (reads its own partitions; needs semiasync workers)",
      "<text>", &s::outcome_routing, routing, routing_text),
    listable(parsed<std::vector<int32_t>>(
      "replyPartitions",
      "Outcome partitions a steered server reads, e.g. 0,3 (a list in "
      "YAML); empty: one, derived from instanceId",
      "<text>", &s::reply_partitions, parse_partition_list,
      partition_list_text)),
    // The HTTP server's own request timeout is set above this one, so every
    // client gets the 504 rather than a closed connection.
    millis("replyTimeoutMs", "Wait for an outcome before answering 504, in ms",
           &s::reply_timeout, 1, 60000),
    millis("maxWaitMs",
           "Longest deadline a client may ask for with 'Prefer: wait=', in ms",
           &s::max_wait, 1, 600000),
    millis("produceTimeoutMs",
           "Wait for the broker to take a request before answering 503, in ms",
           &s::produce_timeout, 1, 60000),
    number(
      "maxInFlight",
      "Requests waiting for outcomes at once; beyond it: 503 + Retry-After",
      &s::max_in_flight, 1, 1000000),
    number("maxBodyBytes", "Largest accepted request body, in bytes",
           &s::max_body_bytes, 1, 1ull << 30),
    number("maxHeaderBytes",
           "Largest accepted URL and header value, in bytes; beyond: the "
           "connection is closed",
           &s::max_header_bytes, 256, 1 << 20),
    number("maxConnections",
           "Open HTTP connections at once; beyond: new ones wait to be "
           "accepted",
           &s::max_connections, 1, 1000000),
    millis("readTimeoutMs",
           "Time a client has to send a whole request before it is "
           "disconnected, in ms",
           &s::read_timeout, 100, 600000),
    millis("writeTimeoutMs",
           "Time a client has to take an answer before it is disconnected, in "
           "ms",
           &s::write_timeout, 100, 600000),
    number("httpThreads", "Threads serving HTTP", &s::http_threads, 1, 256),
    number("actorThreads",
           "Threads running the actors (CAF scheduler); 0: one per core for "
           "the server, one for the consumer",
           &s::actor_threads, 0, 256),
    parsed<log_level>("logLevel", "One of debug, info, warn, error", "<text>",
                      &s::log_level, level, level_text),
    // Jitter spreads each wait over its upper half, so workers that failed
    // together do not retry together.
    millis("retryMinMs",
           "A worker's first wait before retrying a transient failure, in ms",
           &s::retry_min, 1, 600000),
    millis("retryMaxMs",
           "Longest wait of a worker between retries; waits double up to it",
           &s::retry_max, 1, 3600000),
    number("workerMetricsPort",
           "Port of the worker's GET /metrics and /healthz; 0: none",
           &s::worker_metrics_port, 0, max_port, "<port>"),
    text("workerMetricsAddress", "Address the worker's metrics port binds",
         &s::worker_metrics_address, word),
    // Tracing is configured the OpenTelemetry way, by OTEL_* variables;
    // these settings, where given, win over them for this process.
    text("tracesEndpoint",
         "Where to export spans: the full OTLP/HTTP traces URL, e.g. "
         "http://127.0.0.1:4318/v1/traces; empty: "
         "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT, "
         "and no tracing when neither is set",
         &s::traces_endpoint, url_or_empty),
    text("tracesProtocol",
         "http/protobuf or http/json; empty: "
         "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else http/protobuf",
         &s::traces_protocol, protocol_or_empty),
    text("tracesSampler",
         "Which traces to record, as OTEL_TRACES_SAMPLER names it (e.g. "
         "parentbased_traceidratio); empty: that variable, else "
         "parentbased_always_on",
         &s::traces_sampler, sampler_or_empty),
    text("tracesSamplerArg",
         "The ratio of the ratio samplers, 0 to 1; empty: "
         "OTEL_TRACES_SAMPLER_ARG, else 1",
         &s::traces_sampler_arg, ratio_or_empty),
    text("routesFile",
         "YAML file holding the gateway's configured routes (a list, or a map "
         "with key routes); empty: the config file's routes, if any",
         &s::routes_file, any_text),
    // A day, as payment APIs keep keys: long enough for a client's retries
    // after an outage, short enough to keep the table small.
    millis("idempotencyRetentionMs",
           "How long a configured route's answers are kept for retries with "
           "the same Idempotency-Key and for status polls, in ms",
           &s::idempotency_retention, 1000, 2592000000LL),
    parsed<bool>("ui",
                 "Serve the live page at GET /ui and its event stream at GET "
                 "/ui/events (shows every request's ID: off in production)",
                 "<true|false>", &s::ui, boolean, boolean_text),
    // Kafka's default (45 s) would hold a crashed worker's requests for
    // longer than any reply deadline; brokers refuse less than their
    // group.min.session.timeout.ms (6 s by default).
    millis("workerSessionTimeoutMs",
           "How long a dead worker's request partitions wait before moving to "
           "the other workers, in ms",
           &s::worker_session_timeout, 1000, 1800000),
  };
  return result;
}

/// A camelCase `key` after `prefix`, with `separator` before each word
/// after the first and every letter through `recase`: the spelling of a
/// key as an environment variable or a flag.
std::string respelled(std::string_view key, std::string prefix, char separator,
                      int (*recase)(int)) {
  auto result = std::move(prefix);
  for (unsigned char c : key) {
    if (std::isupper(c)) result += separator;
    result += static_cast<char>(recase(c));
  }
  return result;
}

} // namespace

problem kafka_topic_problem(std::string_view text) {
  if (text.size() > 249) return "a Kafka topic name has at most 249 characters";
  if (text == "." || text == "..") return "is not a valid Kafka topic name";
  for (unsigned char c : text)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      return "a Kafka topic name has only letters, digits, '.', '_', '-'";
  return std::nullopt;
}

const std::vector<setting>& setting_table() {
  static const std::vector<setting> table = make_table();
  return table;
}

std::string env_name(std::string_view key) {
  return respelled(key, "SEMIASYNC_", '_', ::toupper);
}

std::string file_variant(std::string_view name) {
  std::string result{name};
  if (result.rfind("--", 0) == 0) return result + "-file";
  if (result.rfind("SEMIASYNC_", 0) == 0) return result + "_FILE";
  return result + "File";
}

std::string flag_name(std::string_view key) {
  return respelled(key, "--", '-', ::tolower);
}

problem check_consistency(const settings& values) {
  // A produce that outlives the reply deadline could never be answered 503.
  if (values.produce_timeout >= values.reply_timeout)
    return "produceTimeoutMs (" + std::to_string(values.produce_timeout.count())
           + ") must be less than replyTimeoutMs ("
           + std::to_string(values.reply_timeout.count()) + ")";
  // Dead letters fed back into the request topic would loop forever.
  auto dlq = values.effective_dead_letter_topic();
  if (dlq == values.request_topic || dlq == values.outcome_topic)
    return "deadLetterTopic '" + dlq
           + "' must differ from requestTopic and outcomeTopic";
  if (values.retry_min > values.retry_max)
    return "retryMinMs (" + std::to_string(values.retry_min.count())
           + ") must not exceed retryMaxMs ("
           + std::to_string(values.retry_max.count()) + ")";
  if (values.request_topic == values.outcome_topic)
    return "requestTopic and outcomeTopic must differ (both '"
           + values.request_topic + "')";
  return std::nullopt;
}

} // namespace semiasync::config
