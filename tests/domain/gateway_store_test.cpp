// The gateway store's behaviour cases against the in-memory fake.

#include "tests/domain/fake_gateway_store.hpp"
#include "tests/domain/gateway_store_cases.hpp"

namespace {

using namespace semiasync;

/// Fakes sharing one table.
struct fake_env : testing::gateway_store_env {
  std::unique_ptr<gateway_store> make_store() override {
    return std::make_unique<testing::fake_gateway_store>(shared);
  }

  std::string route(const std::string& base) override {
    return base;
  }

  std::shared_ptr<testing::fake_gateway_store::table> shared
    = std::make_shared<testing::fake_gateway_store::table>();
};

} // namespace

SEMIASYNC_GATEWAY_STORE_CASES(fake_env)

TEST_CASE("gateway store: the fake fails a call on request, then works again",
          "[gateway_store]") {
  testing::fake_gateway_store store;
  store.fail_next(testing::fake_gateway_store::method::claim,
                  make_error(error_code::database_unavailable, "down"));
  auto x = testing::gateway_cases::claim_of("r", "k", "b",
                                            testing::gateway_cases::t0);
  auto failed = store.claim(x);
  REQUIRE_FALSE(failed);
  CHECK(is_transient(code_of(failed.error())));
  CHECK(store.claim(x));
}
