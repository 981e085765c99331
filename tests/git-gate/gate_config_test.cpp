#include "gate_config.hpp"

#include <gtest/gtest.h>

#include "../../host_tools/sidecar_configs.hpp"
#include "bottle/config/config_error.hpp"

using namespace git_gate;

TEST(GateConfig, SshUpstreamsGetTheHostsKeyWithStrictHostKeyChecking) {
  GateUpstream u{"proj", "git@github.com:me/proj.git", "/etc/bottle/git-gate/keys/proj/ssh_key",
                 "/etc/bottle/git-gate/keys/proj/known_hosts"};
  const auto env = upstream_environment(u);
  EXPECT_EQ(env.at("GIT_SSH_COMMAND"),
            "ssh -i '/etc/bottle/git-gate/keys/proj/ssh_key' -o IdentitiesOnly=yes "
            "-o UserKnownHostsFile='/etc/bottle/git-gate/keys/proj/known_hosts' "
            "-o StrictHostKeyChecking=yes -o BatchMode=yes");
  EXPECT_EQ(env.at("GIT_TERMINAL_PROMPT"), "0");
  u.ssh_key = "/k/it's";
  EXPECT_NE(upstream_environment(u).at("GIT_SSH_COMMAND").find("-i '/k/it'\\''s'"),
            std::string::npos);
}

TEST(GateConfig, AKeyWithoutKnownHostsIsAnError) {
  try {
    GateConfig::parse("upstreams:\n  - {name: p, upstream: 'git@h:p.git', ssh_key: /k}\n",
                      "g.yaml");
    FAIL();
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("g.yaml:2: upstream 1: key 'known_hosts': is required"),
              std::string::npos)
        << e.what();
  }
}

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
