// What finding a configured route costs: a request path matched against the
// routes' templates (config/path_template), as the HTTP edge does for every
// request the built-in router does not take, then the path parameters
// percent-decoded. Create-user never pays it: its paths are matched first,
// by the built-in router. Prints ns per lookup for 1, 10 and 100 routes,
// the request matching the last one (the worst case: every template tried).
//
// Usage: semiasync_route_lookup_bench [lookups per size, default 1000000]

#include "config/path_template.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using semiasync::config::path_template;

namespace {

std::vector<path_template> routes(int count) {
  std::vector<path_template> result;
  for (int i = 0; i < count; ++i) {
    auto parsed = path_template::parse("/service" + std::to_string(i)
                                       + "/orders/{orderId}/items/{itemId}");
    result.push_back(std::get<path_template>(std::move(parsed)));
  }
  return result;
}

} // namespace

int main(int argc, char** argv) {
  long lookups = argc > 1 ? std::atol(argv[1]) : 1000000;
  for (int count : {1, 10, 100}) {
    auto table = routes(count);
    auto path
      = "/service" + std::to_string(count - 1) + "/orders/o-12345/items/i-678";
    size_t found = 0;
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < lookups; ++i)
      for (const auto& route : table)
        if (auto bound = route.match(path)) {
          found += bound->size();
          break;
        }
    auto elapsed = std::chrono::duration<double, std::nano>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    std::printf("routes=%3d: %8.1f ns per lookup (%ld lookups, %zu "
                "parameters bound)\n",
                count, elapsed / static_cast<double>(lookups), lookups, found);
  }
  return 0;
}
