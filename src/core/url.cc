#include <micro/core/url.h>

#include <charconv>

namespace micro {

Result<HostPort> ParseHostPort(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("expected host:port, got '" + std::string(text) + "'");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.empty()) return Status::InvalidArgument("empty host in '" + std::string(text) + "'");
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument("bad port in '" + std::string(text) + "'");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

Result<Url> Url::Parse(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Status::InvalidArgument("expected scheme://..., got '" + std::string(text) + "'");
  }
  Url url;
  url.scheme = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);

  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    url.path = std::string(rest.substr(slash));
  }
  while (!authority.empty()) {
    size_t comma = authority.find(',');
    std::string_view one = authority.substr(0, comma);
    auto hp = ParseHostPort(one);
    if (!hp.ok()) return hp.status();
    url.hosts.push_back(*hp);
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    // A pair without a key ("?=x", "?&&") carries nothing: skip it.
    if (!kv.empty() && kv.front() != '=') {
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) {
        url.query[std::string(kv)] = "";
      } else {
        url.query[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
      }
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return url;
}

std::string Url::ToString() const {
  std::string out = scheme + "://";
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i) out += ',';
    out += hosts[i].host + ":" + std::to_string(hosts[i].port);
  }
  out += path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    out += sep;
    out += k;
    if (!v.empty()) out += "=" + v;
    sep = '&';
  }
  return out;
}

}  // namespace micro
