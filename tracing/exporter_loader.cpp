#include "tracing/exporter_loader.hpp"

#include <climits>
#include <dlfcn.h>
#include <unistd.h>
#include <vector>

namespace semiasync::tracing {

namespace {

/// The folder of the running binary, with a trailing '/'; empty when
/// unknown.
std::string own_folder() {
  char path[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return {};
  std::string result{path, static_cast<size_t>(n)};
  return result.substr(0, result.rfind('/') + 1);
}

/// Where to look for the plugin, in order.
std::vector<std::string> candidates() {
  std::vector<std::string> result;
  auto folder = own_folder();
  if (!folder.empty()) {
    result.push_back(folder + "../lib/" + exporter_plugin_file);
    result.push_back(folder + exporter_plugin_file);
  }
  result.push_back(std::string{SEMIASYNC_PLUGIN_BUILD_DIR} + "/"
                   + exporter_plugin_file);
  // The dynamic linker's own search (LD_LIBRARY_PATH, ld.so.cache).
  result.push_back(exporter_plugin_file);
  return result;
}

} // namespace

std::variant<std::shared_ptr<tracer>, std::string>
load_exporting_tracer(const tracing_options& options,
                      diagnostics_sink diagnostics) {
  std::string tried;
  for (const auto& path : candidates()) {
    if (path.find('/') != std::string::npos
        && ::access(path.c_str(), F_OK) != 0)
      continue;
    // Never closed: the tracer's code and the SDK's threads live in it.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      tried += (tried.empty() ? "" : "; ") + std::string{why ? why : path};
      continue;
    }
    auto entry
      = reinterpret_cast<exporter_entry>(::dlsym(handle, exporter_entry_name));
    if (!entry) return path + " has no entry point " + exporter_entry_name;
    return std::shared_ptr<tracer>{entry(options, std::move(diagnostics))};
  }
  return "cannot load the exporter plugin " + std::string{exporter_plugin_file}
         + (tried.empty() ? " (not found next to the binary, in the build "
                            "tree or where the dynamic linker looks)"
                          : ": " + tried)
         + "; it needs the package opentelemetry-cpp";
}

} // namespace semiasync::tracing
