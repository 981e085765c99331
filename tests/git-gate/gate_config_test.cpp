#include "gate_config.hpp"

#include <gtest/gtest.h>

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
