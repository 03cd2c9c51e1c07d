// The live page (GET /ui) in a real browser: a server with `ui` on and a
// worker on the real stack, Debian's Chromium driven by playwright-core
// (tests/browser/ui_test.mjs). The page's own form creates a user (201, the
// row in the flow table reaches 201), then the same name again (409); the
// 201's user is then checked in app.users. Nothing here skips: a missing
// node, Chromium or node_modules is a failure that says how to install it.
// SEMIASYNC_UPDATE_SCREENSHOT=1 copies the screenshot to docs/images/ui.png.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "tests/integration/pipeline.hpp"

using namespace semiasync::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// node: $SEMIASYNC_TEST_NODE, else the first `node` on PATH, else empty.
std::string find_node() {
  if (auto* given = std::getenv("SEMIASYNC_TEST_NODE"); given && *given)
    return given;
  std::stringstream path{std::getenv("PATH") ? std::getenv("PATH") : ""};
  for (std::string dir; std::getline(path, dir, ':');) {
    auto candidate = fs::path{dir} / "node";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return {};
}

/// Chromium: $SEMIASYNC_TEST_CHROMIUM, else Debian's.
std::string chromium_path() {
  auto* given = std::getenv("SEMIASYNC_TEST_CHROMIUM");
  return given && *given ? given : "/usr/bin/chromium";
}

/// The JSON after "RESULT " in the script's output, or null.
nlohmann::json result_of(const std::string& log) {
  auto at = log.rfind("RESULT ");
  if (at == std::string::npos) return nullptr;
  auto end = log.find('\n', at);
  return nlohmann::json::parse(log.substr(at + 7, end - at - 7), nullptr,
                               false);
}

} // namespace

TEST_CASE("a create-user sent from the live page reaches 201 there, the "
          "same name 409",
          "[browser]") {
  const std::string install_hint = " (scripts/install-deps --browser installs "
                                   "it; scripts/test runs that)";
  auto node = find_node();
  if (node.empty()) FAIL("no node on PATH" + install_hint);
  fs::path script = fs::path{SEMIASYNC_ROOT} / "tests/browser/ui_test.mjs";
  if (!fs::exists(fs::path{SEMIASYNC_ROOT}
                  / "tests/browser/node_modules/playwright-core"))
    FAIL("tests/browser/node_modules has no playwright-core" + install_hint);
  if (!fs::exists(chromium_path()))
    FAIL("no Chromium at " + chromium_path() + install_hint);

  pipeline stack{{"--ui=true"}};
  INFO(stack.log_tails());
  auto name = unique_name("page");
  fs::create_directories(SEMIASYNC_BROWSER_OUT_DIR);
  auto screenshot = (fs::path{SEMIASYNC_BROWSER_OUT_DIR} / "ui.png").string();
  fs::remove(screenshot);
  child_process browser{{node, script.string(), "--url",
                         "http://127.0.0.1:" + std::to_string(stack.port()),
                         "--name", name, "--screenshot", screenshot,
                         "--chromium", chromium_path()},
                        {},
                        std::string{SEMIASYNC_IT_LOG_DIR} + "/ui_test.log"};
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (browser.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  if (browser.running()) browser.terminate();
  INFO("ui_test.mjs " << browser.describe_status() << ":\n"
                      << browser.log_tail(40));
  REQUIRE(browser.describe_status() == "exit code 0");

  auto result = result_of(browser.log_text());
  REQUIRE(result.is_object());
  // The user the page showed as created is the row in app.users, created
  // by the request the page showed.
  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == result.at("uuid").get<std::string>());
  CHECK(row->request.value == result.at("requestId").get<std::string>());
  CHECK(count_users_named(name) == 1);
  REQUIRE(fs::file_size(screenshot) > 10000);

  if (auto* update = std::getenv("SEMIASYNC_UPDATE_SCREENSHOT");
      update && std::string{update} == "1") {
    auto target = fs::path{SEMIASYNC_ROOT} / "docs/images/ui.png";
    fs::create_directories(target.parent_path());
    fs::copy_file(screenshot, target, fs::copy_options::overwrite_existing);
  }
}
