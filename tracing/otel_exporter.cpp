// The exporter plugin: the OpenTelemetry SDK with its OTLP/HTTP exporter,
// built as a module that `load_exporting_tracer` opens only when tracing is
// on. A process that does not trace never loads the SDK, protobuf, curl
// and the rest (about 40 libraries and 7 MiB of resident memory).

#include <chrono>
#include <mutex>
#include <opentelemetry/exporters/otlp/otlp_http_exporter_factory.h>
#include <opentelemetry/exporters/otlp/otlp_http_exporter_options.h>
#include <opentelemetry/sdk/common/global_log_handler.h>
#include <opentelemetry/sdk/trace/batch_span_processor_factory.h>
#include <opentelemetry/sdk/trace/batch_span_processor_options.h>
#include <opentelemetry/sdk/trace/tracer_provider.h>
#include <opentelemetry/sdk/trace/tracer_provider_factory.h>

#include "tracing/exporter_plugin.hpp"
#include "tracing/otel_core.hpp"

namespace semiasync::tracing {

namespace {

namespace api = opentelemetry::trace;
namespace sdk = opentelemetry::sdk::trace;
namespace nostd = opentelemetry::nostd;
namespace otlp = opentelemetry::exporter::otlp;
namespace internal_log = opentelemetry::sdk::common::internal_log;

/// A batch of spans is sent at least this often: short enough that a trace
/// shows up while its user still looks, long enough to batch at load.
constexpr auto export_interval = std::chrono::milliseconds{1000};

/// Spans queued for export at most; beyond, new ones are dropped (and
/// counted in the log). The SDK's 2,048 fills within a second at 1,000
/// requests/s with everything sampled. One export takes the whole queue:
/// a stopping process drains it in one request, so a collector that does
/// not answer holds the stop for one export timeout, not one per batch.
constexpr size_t export_queue = 8192;

/// The SDK's diagnostics in our log: one line, then silence for a while
/// (with a count of what was left out), so neither a collector that is
/// down nor a full export queue floods stderr.
class log_forwarder final : public internal_log::LogHandler {
public:
  explicit log_forwarder(diagnostics_sink sink) : sink_(std::move(sink)) {
    // nop
  }

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
      sink_(level == internal_log::LogLevel::Error, text);
    } catch (...) {
      // Diagnostics must never take the process down.
    }
  }

private:
  static constexpr auto quiet_period = std::chrono::seconds{10};
  diagnostics_sink sink_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point quiet_until_{};
  uint64_t left_out_ = 0;
};

/// The SDK's provider and our tracer on it.
class exporting_tracer final : public tracer {
public:
  exporting_tracer(std::shared_ptr<sdk::TracerProvider> provider)
    : provider_(std::move(provider)),
      tracer_(provider_->GetTracer(otel::scope_name)) {
    // nop
  }

  ~exporting_tracer() override {
    // Flushes what is queued in one export (see `export_queue`): a
    // collector that does not answer holds this for about one export
    // timeout.
    provider_->Shutdown();
  }

  span_ptr start(span_start what) override {
    return otel::start_on(*tracer_, what);
  }

private:
  std::shared_ptr<sdk::TracerProvider> provider_;
  nostd::shared_ptr<api::Tracer> tracer_;
};

} // namespace

} // namespace semiasync::tracing

extern "C" semiasync::tracing::tracer* semiasync_otel_exporting_tracer(
  const semiasync::tracing::tracing_options& options,
  semiasync::tracing::diagnostics_sink diagnostics) {
  using namespace semiasync::tracing;
  // Process-wide in the SDK (its one global); set before the provider
  // exists, as the SDK asks.
  internal_log::GlobalLogHandler::SetLogHandler(
    nostd::shared_ptr<internal_log::LogHandler>(
      new log_forwarder(std::move(diagnostics))));
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
  batching.max_export_batch_size = export_queue;
  auto processor = sdk::BatchSpanProcessorFactory::Create(
    otlp::OtlpHttpExporterFactory::Create(exporter), batching);
  std::shared_ptr<sdk::TracerProvider> provider
    = sdk::TracerProviderFactory::Create(
      std::move(processor), otel::resource_for(options.service_name),
      otel::make_sampler(options.sampler, options.ratio));
  return new exporting_tracer(std::move(provider));
}
