#include "tracing/otel_tracer.hpp"

#include "logging/log.hpp"

#include <atomic>
#include <mutex>
#include <opentelemetry/exporters/memory/in_memory_span_data.h>
#include <opentelemetry/exporters/memory/in_memory_span_exporter_factory.h>
#include <opentelemetry/exporters/otlp/otlp_http_exporter_factory.h>
#include <opentelemetry/exporters/otlp/otlp_http_exporter_options.h>
#include <opentelemetry/sdk/common/global_log_handler.h>
#include <opentelemetry/sdk/resource/resource.h>
#include <opentelemetry/sdk/trace/batch_span_processor_factory.h>
#include <opentelemetry/sdk/trace/batch_span_processor_options.h>
#include <opentelemetry/sdk/trace/samplers/always_off.h>
#include <opentelemetry/sdk/trace/samplers/always_on.h>
#include <opentelemetry/sdk/trace/samplers/parent.h>
#include <opentelemetry/sdk/trace/samplers/trace_id_ratio.h>
#include <opentelemetry/sdk/trace/simple_processor_factory.h>
#include <opentelemetry/sdk/trace/span_data.h>
#include <opentelemetry/sdk/trace/tracer_provider.h>
#include <opentelemetry/sdk/trace/tracer_provider_factory.h>
#include <opentelemetry/trace/span_startoptions.h>
#include <opentelemetry/trace/trace_state.h>
#include <opentelemetry/trace/tracer.h>

namespace semiasync::tracing {

namespace {

namespace api = opentelemetry::trace;
namespace sdk = opentelemetry::sdk::trace;
namespace common = opentelemetry::common;
namespace nostd = opentelemetry::nostd;
namespace otlp = opentelemetry::exporter::otlp;
namespace memory = opentelemetry::exporter::memory;
namespace internal_log = opentelemetry::sdk::common::internal_log;
using opentelemetry::sdk::resource::Resource;

/// The instrumentation scope of every span.
constexpr const char* scope_name = "semiasync";

/// A batch of spans is sent at least this often: short enough that a trace
/// shows up while its user still looks, long enough to batch at load.
constexpr auto export_interval = std::chrono::milliseconds{1000};

/// Spans queued for export at most; beyond, new ones are dropped (and
/// counted in the log). The SDK's 2,048 fills within a second at 1,000
/// requests/s with everything sampled.
constexpr size_t export_queue = 16384;

api::SpanKind to_api(span_kind kind) {
  switch (kind) {
    case span_kind::server: return api::SpanKind::kServer;
    case span_kind::client: return api::SpanKind::kClient;
    case span_kind::producer: return api::SpanKind::kProducer;
    case span_kind::consumer: return api::SpanKind::kConsumer;
    case span_kind::internal: break;
  }
  return api::SpanKind::kInternal;
}

span_kind from_api(api::SpanKind kind) {
  switch (kind) {
    case api::SpanKind::kServer: return span_kind::server;
    case api::SpanKind::kClient: return span_kind::client;
    case api::SpanKind::kProducer: return span_kind::producer;
    case api::SpanKind::kConsumer: return span_kind::consumer;
    case api::SpanKind::kInternal: break;
  }
  return span_kind::internal;
}

api::SpanContext to_api(const span_context& context) {
  return api::SpanContext{
    api::TraceId{nostd::span<const uint8_t, 16>{context.trace_id.data(), 16}},
    api::SpanId{nostd::span<const uint8_t, 8>{context.span_id.data(), 8}},
    api::TraceFlags{context.flags}, true,
    api::TraceState::FromHeader(context.trace_state)};
}

span_context from_api(const api::SpanContext& context) {
  span_context result;
  context.trace_id().CopyBytesTo(
    nostd::span<uint8_t, 16>{result.trace_id.data(), 16});
  context.span_id().CopyBytesTo(
    nostd::span<uint8_t, 8>{result.span_id.data(), 8});
  result.flags = context.trace_flags().flags();
  result.trace_state = context.trace_state()->ToHeader();
  return result;
}

/// Our attribute's value as the API takes it; views `value`, which must
/// outlive the call.
common::AttributeValue to_api(const attribute_value& value) {
  if (auto text = std::get_if<std::string>(&value))
    return nostd::string_view{*text};
  if (auto number = std::get_if<int64_t>(&value)) return *number;
  return std::get<bool>(value);
}

std::string hex(const api::TraceId& id) {
  char buffer[32];
  id.ToLowerBase16(buffer);
  return {buffer, 32};
}

std::string hex(const api::SpanId& id) {
  char buffer[16];
  id.ToLowerBase16(buffer);
  return {buffer, 16};
}

/// One span of the SDK, ended at the latest when the last handle goes.
class otel_span final : public span {
public:
  otel_span(nostd::shared_ptr<api::Span> span,
            std::chrono::steady_clock::time_point started)
    : span_(std::move(span)),
      started_(started),
      recorded_(span_->IsRecording()) {
    // nop
  }

  ~otel_span() override {
    end();
  }

  void set(std::string_view key, attribute_value value) override {
    span_->SetAttribute(nostd::string_view{key.data(), key.size()},
                        to_api(value));
  }

  void fail(std::string_view type, std::string_view description) override {
    span_->SetStatus(
      api::StatusCode::kError,
      nostd::string_view{description.data(), description.size()});
    span_->SetAttribute("error.type",
                        nostd::string_view{type.data(), type.size()});
  }

  span_context context() const override {
    auto result = from_api(span_->GetContext());
    // The SDK (1.19) copies a valid parent's flags onto a span its sampler
    // dropped: sent on as sampled, the next hop would record children of a
    // span that is never exported.
    if (!recorded_) result.flags &= static_cast<uint8_t>(~0x01);
    return result;
  }

  void end() override {
    if (!ended_.exchange(true)) span_->End();
  }

  void end_after(std::chrono::microseconds elapsed) override {
    if (ended_.exchange(true)) return;
    api::EndSpanOptions options;
    options.end_steady_time = common::SteadyTimestamp{
      started_
      + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        elapsed)};
    span_->End(options);
  }

private:
  nostd::shared_ptr<api::Span> span_;
  /// When it started, on the clock the SDK measures durations with.
  std::chrono::steady_clock::time_point started_;
  /// Whether the sampler kept it (read at start: an ended span reports
  /// not recording).
  bool recorded_;
  std::atomic<bool> ended_{false};
};

/// Starts `what` on an SDK tracer.
span_ptr start_on(api::Tracer& tracer, const span_start& what) {
  api::StartSpanOptions options;
  options.kind = to_api(what.kind);
  if (what.parent && what.parent->valid())
    options.parent = to_api(*what.parent);
  // The SDK measures durations on the steady clock; `end_after` needs the
  // same start.
  auto started = std::chrono::steady_clock::now();
  if (what.started) {
    // Move the steady start back by as much as the wall clock's.
    auto ago = std::chrono::system_clock::now() - *what.started;
    options.start_system_time = common::SystemTimestamp{*what.started};
    started
      -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago);
  }
  options.start_steady_time = common::SteadyTimestamp{started};
  std::vector<std::pair<nostd::string_view, common::AttributeValue>> attributes;
  attributes.reserve(what.attributes.size());
  for (const auto& a : what.attributes)
    attributes.emplace_back(a.key, to_api(a.value));
  using link_attributes
    = std::vector<std::pair<nostd::string_view, common::AttributeValue>>;
  std::vector<std::pair<api::SpanContext, link_attributes>> links;
  links.reserve(what.links.size());
  for (const auto& l : what.links)
    if (l.valid()) links.emplace_back(to_api(l), link_attributes{});
  return std::make_shared<otel_span>(
    tracer.StartSpan(what.name, attributes, links, options), started);
}

std::unique_ptr<sdk::Sampler> make_sampler(sampler_kind kind, double ratio) {
  switch (kind) {
    case sampler_kind::always_on:
      return std::make_unique<sdk::AlwaysOnSampler>();
    case sampler_kind::always_off:
      return std::make_unique<sdk::AlwaysOffSampler>();
    case sampler_kind::trace_id_ratio:
      return std::make_unique<sdk::TraceIdRatioBasedSampler>(ratio);
    case sampler_kind::parent_based_always_off:
      return std::make_unique<sdk::ParentBasedSampler>(
        std::make_shared<sdk::AlwaysOffSampler>());
    case sampler_kind::parent_based_trace_id_ratio:
      return std::make_unique<sdk::ParentBasedSampler>(
        std::make_shared<sdk::TraceIdRatioBasedSampler>(ratio));
    case sampler_kind::parent_based_always_on: break;
  }
  return std::make_unique<sdk::ParentBasedSampler>(
    std::make_shared<sdk::AlwaysOnSampler>());
}

/// The SDK's diagnostics in our log: one line, then silence for a while
/// (with a count of what was left out), so neither a collector that is
/// down nor a full export queue floods stderr.
class log_forwarder final : public internal_log::LogHandler {
public:
  void
  Handle(internal_log::LogLevel level, const char*, int, const char* msg,
         const opentelemetry::sdk::common::AttributeMap&) noexcept override {
    try {
      auto now = std::chrono::steady_clock::now();
      std::lock_guard<std::mutex> guard{mutex_};
      if (now < quiet_until_) {
        ++left_out_;
        return;
      }
      quiet_until_ = now + quiet_period;
      std::string text = msg ? msg : "";
      if (left_out_ > 0)
        text += " (" + std::to_string(left_out_)
                + " more messages of the tracing SDK left out)";
      left_out_ = 0;
      log(level == internal_log::LogLevel::Error ? log_level::error
                                                 : log_level::warn,
          "tracing", text);
    } catch (...) {
      // Diagnostics must never take the process down.
    }
  }

private:
  static constexpr auto quiet_period = std::chrono::seconds{10};
  std::mutex mutex_;
  std::chrono::steady_clock::time_point quiet_until_{};
  uint64_t left_out_ = 0;
};

/// The SDK's provider and our tracer on it.
class exporting_tracer final : public tracer {
public:
  exporting_tracer(std::shared_ptr<sdk::TracerProvider> provider)
    : provider_(std::move(provider)),
      tracer_(provider_->GetTracer(scope_name)) {
    // nop
  }

  ~exporting_tracer() override {
    // Flushes what is queued; a collector that does not answer holds this
    // for the export timeout at most.
    provider_->Shutdown();
  }

  span_ptr start(span_start what) override {
    return start_on(*tracer_, what);
  }

private:
  std::shared_ptr<sdk::TracerProvider> provider_;
  nostd::shared_ptr<api::Tracer> tracer_;
};

Resource resource_for(const std::string& service_name) {
  return Resource::Create({{"service.name", service_name}});
}

} // namespace

std::shared_ptr<tracer> make_exporting_tracer(const tracing_options& options) {
  // Process-wide in the SDK (its one global); set before the provider
  // exists, as the SDK asks.
  internal_log::GlobalLogHandler::SetLogHandler(
    nostd::shared_ptr<internal_log::LogHandler>(new log_forwarder));
  internal_log::GlobalLogHandler::SetLogLevel(internal_log::LogLevel::Warning);
  // Reads OTEL_EXPORTER_OTLP_[TRACES_]HEADERS and the TLS variables; the
  // rest is decided by `decide_tracing`.
  otlp::OtlpHttpExporterOptions exporter;
  exporter.url = options.endpoint;
  exporter.content_type = options.protocol == otlp_protocol::json
                            ? otlp::HttpRequestContentType::kJson
                            : otlp::HttpRequestContentType::kBinary;
  exporter.timeout = options.export_timeout;
  exporter.console_debug = false;
  sdk::BatchSpanProcessorOptions batching;
  batching.max_queue_size = export_queue;
  batching.schedule_delay_millis = export_interval;
  auto processor = sdk::BatchSpanProcessorFactory::Create(
    otlp::OtlpHttpExporterFactory::Create(exporter), batching);
  std::shared_ptr<sdk::TracerProvider> provider
    = sdk::TracerProviderFactory::Create(
      std::move(processor), resource_for(options.service_name),
      make_sampler(options.sampler, options.ratio));
  return std::make_shared<exporting_tracer>(std::move(provider));
}

std::string recorded_span::text(const std::string& key) const {
  auto i = attributes.find(key);
  if (i == attributes.end()) return "";
  if (auto s = std::get_if<std::string>(&i->second)) return *s;
  if (auto n = std::get_if<int64_t>(&i->second)) return std::to_string(*n);
  return std::get<bool>(i->second) ? "true" : "false";
}

struct recording_tracer::impl {
  std::shared_ptr<memory::InMemorySpanData> data;
  std::shared_ptr<sdk::TracerProvider> provider;
  nostd::shared_ptr<api::Tracer> tracer;
};

recording_tracer::recording_tracer(sampler_kind sampler, double ratio,
                                   std::string service_name)
  : impl_(std::make_unique<impl>()) {
  // Room for every span a test makes; the SDK's default keeps only 100.
  constexpr size_t capacity = 100000;
  auto exporter
    = memory::InMemorySpanExporterFactory::Create(impl_->data, capacity);
  impl_->provider = sdk::TracerProviderFactory::Create(
    sdk::SimpleSpanProcessorFactory::Create(std::move(exporter)),
    resource_for(service_name), make_sampler(sampler, ratio));
  impl_->tracer = impl_->provider->GetTracer(scope_name);
}

recording_tracer::~recording_tracer() = default;

span_ptr recording_tracer::start(span_start what) {
  return start_on(*impl_->tracer, what);
}

std::vector<recorded_span> recording_tracer::take() {
  std::vector<recorded_span> result;
  for (auto& data : impl_->data->GetSpans()) {
    recorded_span s;
    s.name = std::string{data->GetName()};
    s.kind = from_api(data->GetSpanKind());
    s.trace_id = hex(data->GetTraceId());
    s.span_id = hex(data->GetSpanId());
    if (data->GetParentSpanId().IsValid())
      s.parent_span_id = hex(data->GetParentSpanId());
    for (const auto& link : data->GetLinks())
      s.links.push_back(from_api(link.GetSpanContext()));
    for (const auto& [key, value] : data->GetAttributes()) {
      if (auto b = nostd::get_if<bool>(&value))
        s.attributes[key] = *b;
      else if (auto i = nostd::get_if<int64_t>(&value))
        s.attributes[key] = *i;
      else if (auto i32 = nostd::get_if<int32_t>(&value))
        s.attributes[key] = int64_t{*i32};
      else if (auto u32 = nostd::get_if<uint32_t>(&value))
        s.attributes[key] = int64_t{*u32};
      else if (auto text = nostd::get_if<std::string>(&value))
        s.attributes[key] = *text;
      else
        s.attributes[key] = std::string{"<unsupported>"};
    }
    s.failed = data->GetStatus() == api::StatusCode::kError;
    s.status_description = std::string{data->GetDescription()};
    s.duration = data->GetDuration();
    auto& resource = data->GetResource().GetAttributes();
    if (auto i = resource.find("service.name"); i != resource.end())
      if (auto name = nostd::get_if<std::string>(&i->second))
        s.service_name = *name;
    result.push_back(std::move(s));
  }
  return result;
}

} // namespace semiasync::tracing
