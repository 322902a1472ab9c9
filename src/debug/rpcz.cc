// /debug/rpcz: the ring of recent calls, and its page.
#include <micro/debug/debug.h>

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "debug/pages.h"

namespace micro::debug {

namespace {

// Copies `s` into a fixed buffer, truncating; returns the length kept.
template <size_t N>
uint8_t CopyInto(char (&buf)[N], std::string_view s) {
  size_t n = std::min(s.size(), N);
  std::memcpy(buf, s.data(), n);
  return static_cast<uint8_t>(n);
}

}  // namespace

// Fixed size, so that recording a call allocates nothing.
struct Rpcz::Slot {
  std::mutex mu;
  uint64_t seq = 0;  // 0: never written
  const server::Method* method = nullptr;
  char transport[8];
  uint8_t transport_len = 0;
  char peer[64];
  uint8_t peer_len = 0;
  char trace_id[32];
  uint8_t trace_id_len = 0;
  int64_t start_ns = 0;  // system clock, since the epoch
  int64_t duration_ns = 0;
  StatusCode code = StatusCode::kOk;
};

Rpcz::Rpcz(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)), slots_(new Slot[capacity_]) {}

Rpcz::~Rpcz() = default;

Status Rpcz::Intercept(Context& ctx, const server::CallInfo& call, server::Next next) {
  auto wall = std::chrono::system_clock::now();
  auto start = std::chrono::steady_clock::now();
  Status s = next(ctx);
  auto duration = std::chrono::steady_clock::now() - start;
  uint64_t seq = next_.fetch_add(1, std::memory_order_relaxed) + 1;
  Slot& slot = slots_[(seq - 1) % capacity_];
  std::lock_guard lock(slot.mu);
  if (slot.seq > seq) return s;  // a later call already took this slot
  slot.seq = seq;
  slot.method = &call.method;
  slot.transport_len = CopyInto(slot.transport, call.transport);
  slot.peer_len = CopyInto(slot.peer, ctx.peer());
  // traceparent: "00-<32 hex trace id>-<16 hex span id>-<flags>"
  const std::string& tp = ctx.trace().traceparent;
  slot.trace_id_len =
      tp.size() >= 35 ? CopyInto(slot.trace_id, std::string_view(tp).substr(3, 32)) : 0;
  slot.start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  slot.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  slot.code = s.code();
  return s;
}

std::vector<CallRecord> Rpcz::Snapshot() const {
  std::vector<std::pair<uint64_t, CallRecord>> all;
  all.reserve(capacity_);
  for (size_t i = 0; i < capacity_; ++i) {
    Slot& slot = slots_[i];
    std::lock_guard lock(slot.mu);
    if (slot.seq == 0) continue;
    CallRecord r;
    r.method = slot.method->Path();
    r.transport.assign(slot.transport, slot.transport_len);
    r.peer.assign(slot.peer, slot.peer_len);
    r.trace_id.assign(slot.trace_id, slot.trace_id_len);
    r.start = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(slot.start_ns)));
    r.duration = std::chrono::nanoseconds(slot.duration_ns);
    r.code = slot.code;
    all.emplace_back(slot.seq, std::move(r));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<CallRecord> out;
  out.reserve(all.size());
  for (auto& [seq, r] : all) out.push_back(std::move(r));
  return out;
}

namespace internal {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us % 1000000));
  return buf;
}

std::string RenderRpcz(const Rpcz& rpcz) {
  nlohmann::json calls = nlohmann::json::array();
  for (const CallRecord& r : rpcz.Snapshot()) {
    nlohmann::json c = {
        {"method", r.method},
        {"transport", r.transport},
        {"peer", r.peer},
        {"start", Rfc3339(r.start)},
        {"duration_us", std::chrono::duration<double, std::micro>(r.duration).count()},
        {"code", std::string(StatusCodeName(r.code))},
    };
    if (!r.trace_id.empty()) c["trace_id"] = r.trace_id;
    calls.push_back(std::move(c));
  }
  nlohmann::json page = {
      {"capacity", rpcz.capacity()}, {"total", rpcz.total()}, {"calls", std::move(calls)}};
  return page.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace internal
}  // namespace micro::debug
