// Fuzz target: config file parsing (YAML and JSON), the parser of outside input behind
// Config's file layer. Built by tests/config/CMakeLists.txt: with clang as a libFuzzer
// binary (config_parse_fuzz), and always as a corpus replay test (config_parse_fuzz_corpus).
//
//   build/bin/config_parse_fuzz tests/fuzz/corpus/config     # clang builds only
#include <micro/config/parse.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using micro::config::Format;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Format format : {Format::kAuto, Format::kYaml, Format::kJson}) {
    auto value = micro::config::ParseDocument(text, format);
    // Whatever parses must be a map that renders back to JSON without crashing.
    if (value.ok()) {
      if (!value->is_map()) __builtin_trap();
      (void)value->ToJson();
      (void)value->Find("a.b.0");
    }
  }
  return 0;
}
