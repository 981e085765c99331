// What the host tool renders for git-gate, git-gate reads as meant.
#include <gtest/gtest.h>

#include "../../host_tools/sidecar_configs.hpp"
#include "gate_config.hpp"

using namespace git_gate;

// What the host tool renders, git-gate reads as meant.
TEST(HostToolContract, GitGateReadsTheRenderedConfigAsMeant) {
  host_tools::BottleSpec b;
  b.name = "demo";
  host_tools::GitUpstream g;
  g.name = "project";
  g.url = "git@github.com:me/project.git";
  b.git.push_back(g);
  const auto cfg = GateConfig::parse(host_tools::render_git_gate_config(b), "rendered");
  EXPECT_EQ(cfg.listen_host, "0.0.0.0");
  EXPECT_EQ(cfg.listen_port, 9418);
  ASSERT_EQ(cfg.upstreams.size(), 1u);
  EXPECT_EQ(cfg.upstreams[0].name, "project");
  EXPECT_EQ(cfg.upstreams[0].url, "git@github.com:me/project.git");
  EXPECT_EQ(cfg.upstreams[0].ssh_key, "/etc/bottle/git-gate/keys/project/ssh_key");
  EXPECT_EQ(cfg.repository(cfg.upstreams[0]), "/var/lib/bottle/git-gate/project.git");
  // The agent's gitconfig sends that URL to the name git-gate serves.
  EXPECT_NE(host_tools::render_agent_gitconfig(b).find("git://git-gate:9418/project"),
            std::string::npos);
}
