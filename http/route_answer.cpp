#include "http/route_answer.hpp"

#include <string>

namespace semiasync::http {

answer method_not_allowed(const char* allowed) {
  return fresh_problem(405, std::string{"allowed: "} + allowed, allowed);
}

} // namespace semiasync::http
