#include "daemon_environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace supervisor;

namespace {
bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}
bool has_name(const std::vector<std::string>& env, const std::string& name) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}
const std::vector<std::string> kSupervisorEnv = {"PATH=/custom/bin",
                                                 "BOTTLE_TOKEN_GITHUB=ghp_secret",
                                                 "BOTTLE_TOKEN_NPM=npm_secret",
                                                 "HTTPS_PROXY=http://pipelock:8888",
                                                 "AWS_SECRET_ACCESS_KEY=leak",
                                                 "HOME=/root"};
}  // namespace

TEST(DaemonEnvironment, PassesOnlyWhatTheRegistryEntryInherits) {
  DaemonSpec pipelock;
  pipelock.name = "pipelock";
  auto env = daemon_environment(pipelock, std::nullopt, kSupervisorEnv);
  EXPECT_TRUE(has(env, "PATH=/custom/bin"));
  EXPECT_FALSE(has_name(env, "BOTTLE_TOKEN_GITHUB"));
  EXPECT_FALSE(has_name(env, "AWS_SECRET_ACCESS_KEY"));
  EXPECT_FALSE(has_name(env, "HOME"));
}

TEST(DaemonEnvironment, TokensReachTheDaemonThatInheritsThemByNameOrPrefix) {
  DaemonSpec egress;
  egress.name = "egress";
  egress.inherit_env = {"BOTTLE_TOKEN_*", "HTTPS_PROXY", "NOT_SET"};
  auto env = daemon_environment(egress, std::nullopt, kSupervisorEnv);
  EXPECT_TRUE(has(env, "BOTTLE_TOKEN_GITHUB=ghp_secret"));
  EXPECT_TRUE(has(env, "BOTTLE_TOKEN_NPM=npm_secret"));
  EXPECT_TRUE(has(env, "HTTPS_PROXY=http://pipelock:8888"));
  EXPECT_FALSE(has_name(env, "NOT_SET"));
  EXPECT_FALSE(has_name(env, "AWS_SECRET_ACCESS_KEY"));
}

TEST(DaemonEnvironment, OwnEntriesWinAndRunAsUserSetsHome) {
  DaemonSpec d;
  d.env = {{"PATH", "/only/here"}, {"MODE", "strict"}};
  RunAs bottle{1000, 1000, {}, "bottle", "/home/bottle"};
  auto env = daemon_environment(d, bottle, kSupervisorEnv);
  EXPECT_TRUE(has(env, "PATH=/only/here"));
  EXPECT_TRUE(has(env, "MODE=strict"));
  EXPECT_TRUE(has(env, "HOME=/home/bottle"));
  EXPECT_TRUE(has(env, "USER=bottle"));
}
