// OpenTelemetry semantic-convention helpers shared by the server and client tracing
// interceptors. Internal to libmicro.
#pragma once

#include <cstdint>
#include <string_view>

#include <micro/trace/span.h>

namespace micro::trace::semconv {

// "/pkg.Service/Method" -> {"pkg.Service", "Method"}; anything else -> {"", path}.
struct RpcName {
  std::string_view service;
  std::string_view method;
};
RpcName SplitMethodPath(std::string_view path);

// "host:port", "[::1]:port", gRPC's "ipv4:1.2.3.4:5" / "ipv6:[::1]:5" -> host and port
// (port 0 when there is none).
struct Peer {
  std::string_view host;
  uint16_t port = 0;
};
Peer SplitPeer(std::string_view peer);

// Sets `<prefix>.address`/`<prefix>.port` (the stable names) and net.peer.name/net.peer.port
// (the older ones many back ends still read).
void SetPeer(Span& span, std::string_view peer, bool peer_is_server);

}  // namespace micro::trace::semconv
