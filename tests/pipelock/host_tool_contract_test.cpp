#include <gtest/gtest.h>

#include "../../host_tools/pipelock_document.hpp"
#include "pipelock_config.hpp"

// What `bottle start` renders, pipelock reads as meant: no warning, strict,
// CONNECT on, listening on every interface, the sidecars' one address exempt.
TEST(HostToolContract, PipelockReadsTheRenderedConfigAsMeant) {
  const auto cfg = pipelock::parse_pipelock_config(
      host_tools::render_pipelock_config({"api.anthropic.com", "*.github.com"}, "10.213.0.2"),
      "rendered");
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_EQ(cfg.mode, "strict");
  EXPECT_TRUE(cfg.forward_enabled);
  EXPECT_EQ(cfg.listen_host, "0.0.0.0");
  EXPECT_EQ(cfg.listen_port, 8888);
  ASSERT_EQ(cfg.ssrf_allowed.size(), 1u);
  EXPECT_EQ(cfg.ssrf_allowed[0].to_string(), "10.213.0.2/32");
  EXPECT_EQ(cfg.api_allowlist.size(), 2u);
  EXPECT_FALSE(cfg.tls.enabled);
}
