// Scrape-time collectors for values other components own: the process (Linux /proc) and
// the server's worker pool. micro::Service adds both; a program without a Service may too:
//
//   micro::metrics::AddProcessCollector();                     // once per registry
//   uint64_t id = micro::metrics::AddThreadPoolCollector(
//       micro::metrics::DefaultRegistry(), "greeter", &server.workers());
//   ...
//   micro::metrics::DefaultRegistry().RemoveCollector(id);     // before the pool goes away
//
// Process metrics, as every Prometheus client library names them:
//   process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
//   process_open_fds, process_max_fds, process_threads, process_start_time_seconds.
// Worker pool: micro_worker_pool_queue_depth{service}, micro_worker_pool_threads{service}.
#pragma once

#include <cstdint>
#include <string>

#include <micro/metrics/metrics.h>
#include <micro/runtime/thread_pool.h>

namespace micro::metrics {

// Adds the process collector to `registry` the first time; later calls do nothing.
void AddProcessCollector(Registry& registry = DefaultRegistry());

// Reports `pool`'s queue depth (and size) labelled with `service`. The pool must outlive
// the collector: remove it (Registry::RemoveCollector) before the pool is destroyed.
uint64_t AddThreadPoolCollector(Registry& registry, std::string service,
                                const runtime::ThreadPool* pool);

}  // namespace micro::metrics
