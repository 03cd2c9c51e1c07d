#include "tracing/recording_tracer.hpp"

#include <opentelemetry/exporters/memory/in_memory_span_data.h>
#include <opentelemetry/exporters/memory/in_memory_span_exporter_factory.h>
#include <opentelemetry/sdk/trace/simple_processor_factory.h>
#include <opentelemetry/sdk/trace/span_data.h>
#include <opentelemetry/sdk/trace/tracer_provider.h>
#include <opentelemetry/sdk/trace/tracer_provider_factory.h>

#include "tracing/otel_core.hpp"

namespace semiasync::tracing {

namespace api = opentelemetry::trace;
namespace sdk = opentelemetry::sdk::trace;
namespace nostd = opentelemetry::nostd;
namespace memory = opentelemetry::exporter::memory;
using otel::from_api;
using otel::hex;

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
    otel::resource_for(service_name), otel::make_sampler(sampler, ratio));
  impl_->tracer = impl_->provider->GetTracer(otel::scope_name);
}

recording_tracer::~recording_tracer() = default;

span_ptr recording_tracer::start(span_start what) {
  return otel::start_on(*impl_->tracer, what);
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
