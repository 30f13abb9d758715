#pragma once

// Helpers shared by the fuzz targets (tests/fuzz/*_fuzz.cpp). Each target defines
// LLVMFuzzerTestOneInput; it is linked either with libFuzzer (SCIM_AGENT_FUZZ=ON, clang) or with
// replay_main.cpp, which feeds it the files of the seed corpus and the regressions (ctest).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace scim_agent::fuzz {

// A directory of this process's own, made on first use and reused by every input.
inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scim-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes `data` to scratchDir()/name (replacing it) and returns the path.
inline std::string writeScratch(const std::string& name, std::string_view data) {
  const std::filesystem::path path = scratchDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return path.string();
}

// A property the target checks failed: abort so libFuzzer keeps the input as a crash.
[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz property failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace scim_agent::fuzz
