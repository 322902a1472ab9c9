#include "platform/traces/span.h"

#include <algorithm>

namespace micro::platform::traces {

size_t Span::ApproxBytes() const {
  // Ids, times, kind and status as SQLite stores them, plus row and index overhead.
  constexpr size_t kFixed = 128;
  return kFixed + trace_id.size() + span_id.size() + parent_span_id.size() + service.size() +
         scope.size() + name.size() + status_message.size() + attributes.size() + events.size() +
         resource.size();
}

const char* SpanKindName(int kind) {
  switch (kind) {
    case kInternal:
      return "internal";
    case kServer:
      return "server";
    case kClient:
      return "client";
    case kProducer:
      return "producer";
    case kConsumer:
      return "consumer";
    default:
      return "unspecified";
  }
}

void TraceSummary::Add(const Span& span) {
  if (span_count == 0) {
    trace_id = span.trace_id;
    start_ns = span.start_ns;
    end_ns = span.end_ns;
  }
  bool is_root = span.parent_span_id.empty();
  if ((is_root && !has_root) || (!has_root && (span_count == 0 || span.start_ns < start_ns))) {
    root_service = span.service;
    root_name = span.name;
    has_root = is_root;
  }
  start_ns = std::min(start_ns, span.start_ns);
  end_ns = std::max(end_ns, span.end_ns);
  ++span_count;
  if (span.error()) ++error_count;
  auto it = std::lower_bound(services.begin(), services.end(), span.service);
  if (it == services.end() || *it != span.service) services.insert(it, span.service);
}

bool TraceQuery::Matches(const Span& span) const {
  if (!service.empty() && span.service != service) return false;
  if (!operation.empty() && span.name != operation) return false;
  if (min_duration_ns != 0 && span.duration_ns() < min_duration_ns) return false;
  if (errors_only && !span.error()) return false;
  if (start_from_ns != 0 && span.start_ns < start_from_ns) return false;
  if (start_to_ns != 0 && span.start_ns >= start_to_ns) return false;
  return true;
}

}  // namespace micro::platform::traces
