// Fuzz target: plugin and listen URLs (scheme://host:port,host:port/path?k=v), which come
// from flags, env and config files. What parses must print back to something that parses
// to the same URL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <micro/core/url.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = micro::Url::Parse(text);
  if (!url.ok()) return 0;
  auto again = micro::Url::Parse(url->ToString());
  if (!again.ok() || again->ToString() != url->ToString()) __builtin_trap();
  return 0;
}
