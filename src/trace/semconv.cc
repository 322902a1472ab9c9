#include "trace/semconv.h"

#include <charconv>

namespace micro::trace::semconv {

RpcName SplitMethodPath(std::string_view path) {
  if (path.size() > 1 && path.front() == '/') {
    std::string_view rest = path.substr(1);
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash > 0) {
      return {rest.substr(0, slash), rest.substr(slash + 1)};
    }
  }
  return {{}, path};
}

Peer SplitPeer(std::string_view peer) {
  if (peer.starts_with("ipv4:") || peer.starts_with("ipv6:")) peer.remove_prefix(5);
  size_t colon = peer.rfind(':');
  Peer out{peer, 0};
  if (colon == std::string_view::npos) return out;
  std::string_view host = peer.substr(0, colon);
  std::string_view port = peer.substr(colon + 1);
  // A bare IPv6 address without brackets has no port.
  if (host.find(':') != std::string_view::npos && !(host.starts_with("[") && host.ends_with("]"))) {
    return out;
  }
  uint16_t p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size()) return out;
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  return {host, p};
}

void SetPeer(Span& span, std::string_view peer, bool peer_is_server) {
  if (peer.empty()) return;
  Peer p = SplitPeer(peer);
  span.SetAttribute(peer_is_server ? "server.address" : "client.address", p.host);
  span.SetAttribute("net.peer.name", p.host);
  if (p.port != 0) {
    span.SetAttribute(peer_is_server ? "server.port" : "client.port", int64_t{p.port});
    span.SetAttribute("net.peer.port", int64_t{p.port});
  }
}

}  // namespace micro::trace::semconv
