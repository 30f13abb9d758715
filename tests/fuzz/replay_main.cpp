// Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, for ctest:
//   fuzz_replay_<target> DIR_OR_FILE...
// Each directory is read (regular files, in name order). Exits 1 when a path cannot be read or
// no input was found; a crashing input aborts the process, which fails the test.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool replayFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int replayed = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        std::fprintf(stderr, "replay %s\n", file.c_str());
        ok = replayFile(file) && ok;
        ++replayed;
      }
    } else if (std::filesystem::exists(arg, ec)) {
      ok = replayFile(arg) && ok;
      ++replayed;
    }  // a target without regressions yet has no regressions/<target> folder
  }
  std::printf("replayed %d inputs\n", replayed);
  if (replayed == 0) {
    std::fprintf(stderr, "no input found\n");
    return 1;
  }
  return ok ? 0 : 1;
}
