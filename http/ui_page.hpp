#pragma once

#include <string_view>

namespace semiasync::http {

/// The live page served at `GET /ui` (http/ui/page.html, embedded in the
/// binary at build time by cmake/embed_file.cmake), so the server needs no
/// file at run time and the page cannot drift from the binary.
std::string_view ui_page();

} // namespace semiasync::http
