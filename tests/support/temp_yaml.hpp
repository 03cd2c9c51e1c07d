#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace semiasync::testing {

/// A YAML file under the temp directory, removed when the test ends.
class temp_yaml {
public:
  explicit temp_yaml(const std::string& content) {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path()
            / ("semiasync_test_" + std::to_string(stamp) + "_"
               + std::to_string(++counter) + ".yaml");
    std::ofstream{path_} << content;
  }

  ~temp_yaml() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

  temp_yaml(const temp_yaml&) = delete;
  temp_yaml& operator=(const temp_yaml&) = delete;

  /// Where the file is.
  std::string path() const {
    return path_.string();
  }

private:
  std::filesystem::path path_;
};

} // namespace semiasync::testing
