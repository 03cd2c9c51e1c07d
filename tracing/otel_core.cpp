#include "tracing/otel_core.hpp"

#include <atomic>
#include <chrono>
#include <opentelemetry/sdk/trace/samplers/always_off.h>
#include <opentelemetry/sdk/trace/samplers/always_on.h>
#include <opentelemetry/sdk/trace/samplers/parent.h>
#include <opentelemetry/sdk/trace/samplers/trace_id_ratio.h>
#include <opentelemetry/trace/span_startoptions.h>
#include <opentelemetry/trace/trace_state.h>
#include <utility>
#include <vector>

namespace semiasync::tracing::otel {

namespace api = opentelemetry::trace;
namespace sdk = opentelemetry::sdk::trace;
namespace common = opentelemetry::common;
namespace nostd = opentelemetry::nostd;
using opentelemetry::sdk::resource::Resource;

namespace {

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

api::SpanContext to_api(const span_context& context) {
  return api::SpanContext{
    api::TraceId{nostd::span<const uint8_t, 16>{context.trace_id.data(), 16}},
    api::SpanId{nostd::span<const uint8_t, 8>{context.span_id.data(), 8}},
    api::TraceFlags{context.flags}, true,
    api::TraceState::FromHeader(context.trace_state)};
}

/// Our attribute's value as the API takes it; views `value`, which must
/// outlive the call.
common::AttributeValue to_api(const attribute_value& value) {
  if (auto text = std::get_if<std::string>(&value))
    return nostd::string_view{*text};
  if (auto number = std::get_if<int64_t>(&value)) return *number;
  return std::get<bool>(value);
}

/// One span of the SDK, ended at the latest when the last handle goes.
class otel_span final : public span {
public:
  explicit otel_span(nostd::shared_ptr<api::Span> span)
    : span_(std::move(span)), recorded_(span_->IsRecording()) {
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

private:
  nostd::shared_ptr<api::Span> span_;
  /// Whether the sampler kept it (read at start: an ended span reports
  /// not recording).
  bool recorded_;
  std::atomic<bool> ended_{false};
};

} // namespace

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

/// Starts `what` on an SDK tracer.
span_ptr start_on(api::Tracer& tracer, const span_start& what) {
  api::StartSpanOptions options;
  options.kind = to_api(what.kind);
  if (what.parent && what.parent->valid())
    options.parent = to_api(*what.parent);
  if (what.started) {
    // The SDK measures durations on the steady clock: move its start back
    // by as much as the wall clock's.
    auto ago = std::chrono::system_clock::now() - *what.started;
    options.start_system_time = common::SystemTimestamp{*what.started};
    options.start_steady_time = common::SteadyTimestamp{
      std::chrono::steady_clock::now()
      - std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago)};
  }
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
    tracer.StartSpan(what.name, attributes, links, options));
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

Resource resource_for(const std::string& service_name) {
  return Resource::Create({{"service.name", service_name}});
}

} // namespace semiasync::tracing::otel
