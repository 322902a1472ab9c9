// Runs a libFuzzer target over every file of a corpus directory, so that `make test` with
// any compiler exercises the target on its seed inputs (and on crashes found earlier and
// saved there). Usage: <binary> <corpus dir>...
//
// Each input gets kSecondsPerInput of wall time (SIGALRM ends the process): a parser that
// loops, as yaml-cpp's LoadAll once did here while allocating without bound, must fail
// the test quickly instead of eating the machine's memory.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
constexpr unsigned kSecondsPerInput = 10;
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>...\n", argv[0]);
    return 2;
  }
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      if (entry.is_regular_file()) paths.push_back(entry.path());
    }
    for (const auto& path : paths) {
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::printf("%s\n", path.c_str());
      std::fflush(stdout);  // the last name printed is the culprit if the alarm fires
      alarm(kSecondsPerInput);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      alarm(0);
      ++files;
    }
  }
  std::printf("ran %d inputs\n", files);
  return files > 0 ? 0 : 1;  // an empty corpus means the test is misconfigured
}
