#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "bottle_cli_harness.hpp"
#include "bottle_metadata.hpp"

namespace fs = std::filesystem;

namespace {

const char* kToken = "ghp_thetokenvalue0123456789";

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

// Index of the first call starting with `prefix`, or -1.
int call_index(const std::vector<std::string>& calls, const std::string& prefix) {
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
  }
  return -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string sha256_hex(const std::string& s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  std::string hex;
  for (unsigned char c : digest) {
    hex += "0123456789abcdef"[c >> 4];
    hex += "0123456789abcdef"[c & 15];
  }
  return hex;
}

}  // namespace

TEST(BottleStart, WithTlsInterceptionPipelockGetsTheCaKeyAndTheManifestsPassthroughList) {
  BottleCli cli;
  auto r = cli.run({"start",
                    cli.write_manifest("    tls_interception:\n      enabled: true\n"
                                       "      passthrough_domains: ['*.pinned.example']\n")
                        .string(),
                    "--detach"},
                   {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path key = cli.bottle_dir() / "pipelock/ca-key.pem";
  // pipelock runs as uid and gid 990 and reads the key; nothing wider.
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 990u);
  EXPECT_EQ(mode_of(key), 0640u);
  EXPECT_EQ(mode_of(cli.bottle_dir() / "egress/ca-key.pem"), 0600u);
  const std::string yaml = read_text(cli.bottle_dir() / "pipelock/pipelock.yaml");
  EXPECT_NE(yaml.find("tls_interception:\n  enabled: true\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("passthrough_domains:\n    - \"*.pinned.example\""), std::string::npos)
      << yaml;
}

TEST(BottleStart, RunsTheStepsInOrderAndLeavesTheBottleRunning) {
  BottleCli cli;
  auto r =
      cli.run({"start", cli.write_manifest().string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto calls = cli.docker_calls();
  const int build = call_index(
      calls, "docker build --file " + (cli.scratch() / "src/images/Dockerfile.sidecars").string());
  // The agent's network: internal, no address of the host on its bridge, a
  // small subnet from the pool.
  const int internal = call_index(
      calls,
      "docker network create --label claude-bottle=demo --internal --opt "
      "com.docker.network.bridge.inhibit_ipv4=true --subnet 10.213.0.0/28 --gateway 10.213.0.1 "
      "claude-bottle-demo-internal");
  const int egress = call_index(calls,
                                "docker network create --label claude-bottle=demo --subnet "
                                "10.213.0.16/28 --gateway 10.213.0.17 claude-bottle-demo-egress");
  const int up =
      call_index(calls, "docker compose --project-name claude-bottle-demo --file " +
                            (cli.bottle_dir() / "docker-compose.yml").string() + " up --detach");
  ASSERT_GE(build, 0);
  EXPECT_LT(build, internal);
  EXPECT_LT(internal, egress);
  EXPECT_LT(egress, up);

  // Only the sidecars' own, pinned address is exempt from pipelock's SSRF
  // blocking, never the subnet (the gateway, the agent).
  const std::string pipelock_yaml = read_text(cli.bottle_dir() / "pipelock/pipelock.yaml");
  EXPECT_NE(pipelock_yaml.find("ip_allowlist:\n    - 10.213.0.2/32\n"), std::string::npos)
      << pipelock_yaml;
  EXPECT_EQ(pipelock_yaml.find("10.213.0.0/28"), std::string::npos) << pipelock_yaml;
  EXPECT_NE(read_text(cli.bottle_dir() / "docker-compose.yml").find("ipv4_address: 10.213.0.2"),
            std::string::npos);
  EXPECT_EQ(mode_of(cli.bottle_dir()), 0700u);
  EXPECT_EQ(mode_of(cli.bottle_dir() / "pipelock/ca-key.pem"), 0600u);
  EXPECT_EQ(mode_of(cli.bottle_dir() / "egress/ca-key.pem"), 0600u);
  EXPECT_FALSE(fs::exists(cli.bottle_dir() / "agent/ca-key.pem"));
  auto meta = host_tools::read_metadata(cli.bottle_dir() / "metadata.json");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->state, "running");
  EXPECT_EQ(meta->project, "claude-bottle-demo");
  EXPECT_EQ(meta->internal_subnet, "10.213.0.0/28");
  EXPECT_EQ(meta->egress_subnet, "10.213.0.16/28");
  EXPECT_EQ(meta->sidecars_address, "10.213.0.2");

  // The token reached compose's environment, and no file of the bottle holds it.
  EXPECT_TRUE(cli.docker_called("env BOTTLE_TOKEN_GITHUB_TOKEN sha256=" + sha256_hex(kToken)));
  for (const auto& entry : fs::recursive_directory_iterator(cli.state())) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(read_text(entry.path()).find(kToken), std::string::npos) << entry.path();
    }
  }
}

// The harness runs `bottle --state-dir <scratch>`: the hint must name that
// folder, or the operator's `bottle stop demo` finds no bottle.
TEST(BottleStart, TheStopHintNamesANonDefaultStateFolder) {
  BottleCli cli;
  auto r =
      cli.run({"start", cli.write_manifest().string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stop with `bottle --state-dir " + cli.state().string() + " stop demo`"),
            std::string::npos)
      << r.out;
}

TEST(BottleStart, AFailedComposeUpUndoesEveryStepInReverse) {
  BottleCli cli;
  auto r = cli.run({"start", cli.write_manifest().string(), "--detach"},
                   {{"GITHUB_TOKEN", kToken}, {"FAKE_DOCKER_FAIL", "up"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("up --detach` failed"), std::string::npos) << r.err;
  const auto calls = cli.docker_calls();
  const int up = call_index(calls, "docker compose --project-name claude-bottle-demo");
  const int down =
      call_index(calls, "docker compose --project-name claude-bottle-demo --file " +
                            (cli.bottle_dir() / "docker-compose.yml").string() + " down");
  const int rm_internal = call_index(calls, "docker network rm claude-bottle-demo-internal");
  const int rm_egress = call_index(calls, "docker network rm claude-bottle-demo-egress");
  ASSERT_GE(up, 0);
  EXPECT_LT(up, down);
  EXPECT_LT(down, rm_internal);
  EXPECT_LT(rm_internal, rm_egress);
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));
  EXPECT_FALSE(fs::exists(cli.bottle_dir() / "pipelock/ca-key.pem"));
  EXPECT_EQ(host_tools::read_metadata(cli.bottle_dir() / "metadata.json")->state, "stopped");
}

TEST(BottleStart, AMissingTokenIsRefusedBeforeAnythingIsCreated) {
  BottleCli cli;
  auto r = cli.run({"start", cli.write_manifest().string(), "--detach"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("$GITHUB_TOKEN, which is not set"), std::string::npos) << r.err;
  EXPECT_EQ(call_index(cli.docker_calls(), "docker network create"), -1);
  EXPECT_FALSE(fs::exists(cli.bottle_dir()));
}

TEST(BottleStart, AManifestErrorNamesFileLineAndKey) {
  BottleCli cli;
  auto r = cli.run({"start", cli.write_manifest("    supervise: perhaps\n").string()},
                   {{"GITHUB_TOKEN", kToken}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bottles.yaml:7: bottle 'demo': key 'supervise': must be true or false"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(cli.docker_calls().empty());
}

TEST(BottleStart, AttachedSessionEndingTakesTheBottleDown) {
  BottleCli cli;
  auto r = cli.run({"start", cli.write_manifest().string()}, {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto calls = cli.docker_calls();
  const int exec = call_index(calls, "docker exec --interactive claude-bottle-demo /bin/bash");
  const int logs = call_index(calls, "docker compose --project-name claude-bottle-demo --file " +
                                         (cli.bottle_dir() / "docker-compose.yml").string() +
                                         " logs --no-color --timestamps");
  ASSERT_GE(exec, 0) << "no --tty when stdin is not a terminal";
  EXPECT_LT(exec, logs);
  EXPECT_NE(read_text(cli.bottle_dir() / "compose.log").find("pipelock: fake log line"),
            std::string::npos);
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));
  EXPECT_EQ(host_tools::read_metadata(cli.bottle_dir() / "metadata.json")->state, "stopped");
}

TEST(BottleStart, UsesDockerComposeV1WhenThePluginIsMissing) {
  BottleCli cli;
  auto r = cli.run({"start", cli.write_manifest().string(), "--detach"},
                   {{"GITHUB_TOKEN", kToken}, {"FAKE_COMPOSE", "v1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(call_index(cli.docker_calls(), "docker-compose --project-name claude-bottle-demo"), 0);
  cli.clear_docker_calls();
  ASSERT_EQ(cli.run({"stop", "demo"}, {{"FAKE_COMPOSE", "v1"}}).exit_code, 0);
  EXPECT_GE(call_index(cli.docker_calls(), "docker-compose --project-name claude-bottle-demo"), 0);
}

TEST(BottleStop, StoppingTwiceIsSafeAndKeepsTheFirstLogs) {
  BottleCli cli;
  cli.start_demo();
  auto first = cli.run({"stop", "demo"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(fs::exists(cli.bottle_dir() / "compose.log"));
  EXPECT_FALSE(fs::exists(cli.bottle_dir() / "pipelock/ca-key.pem"));
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/running"));
  cli.clear_docker_calls();
  auto second = cli.run({"stop", "demo"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("already stopped"), std::string::npos);
  EXPECT_EQ(call_index(cli.docker_calls(),
                       "docker compose --project-name claude-bottle-demo --file " +
                           (cli.bottle_dir() / "docker-compose.yml").string() + " logs"),
            -1);
}

// A stop that fails half-way (compose down, or a network with an endpoint
// still attached) once left the CA and ssh private keys on disk and the bottle
// marked running, and its retry replaced the saved compose.log with the logs
// of an empty project.
TEST(BottleStop, AStopFailingHalfWayRemovesTheKeysAndItsRetryKeepsEverySavedLog) {
  for (const std::string& verb : {std::string("down"), std::string("network-rm")}) {
    BottleCli cli;
    cli.start_demo();
    ASSERT_TRUE(fs::exists(cli.bottle_dir() / "pipelock/ca-key.pem"));
    auto failed = cli.run({"stop", "demo"}, {{"FAKE_DOCKER_FAIL", verb}});
    EXPECT_NE(failed.exit_code, 0) << verb;
    EXPECT_FALSE(fs::exists(cli.bottle_dir() / "pipelock/ca-key.pem")) << verb;
    EXPECT_FALSE(fs::exists(cli.bottle_dir() / "egress/ca-key.pem")) << verb;
    EXPECT_FALSE(fs::exists(cli.bottle_dir() / "git-gate/keys")) << verb;
    auto meta = host_tools::read_metadata(cli.bottle_dir() / "metadata.json");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->state, "stopping") << verb;
    const std::string first_log = read_file(cli.bottle_dir() / "compose.log");
    EXPECT_NE(first_log.find("fake log line"), std::string::npos) << verb;

    auto retried = cli.run({"stop", "demo"});
    EXPECT_EQ(retried.exit_code, 0) << verb << retried.err;
    EXPECT_EQ(read_file(cli.bottle_dir() / "compose.log"), first_log) << verb;
    if (verb == "down") {  // the containers were still up: their later logs are kept too
      EXPECT_TRUE(fs::exists(cli.bottle_dir() / "compose.log.2")) << retried.out;
    }
    EXPECT_EQ(host_tools::read_metadata(cli.bottle_dir() / "metadata.json")->state, "stopped");
    EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks")) << verb;
  }
}

TEST(BottleStop, AHalfGoneBottleStopsCleanly) {
  BottleCli cli;
  cli.start_demo();
  // Someone removed the networks and the containers by hand.
  fs::remove_all(cli.scratch() / "docker/networks");
  fs::remove_all(cli.scratch() / "docker/running");
  auto r = cli.run({"stop", "demo"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cli.run({"stop", "nosuch"}).exit_code, 0);
}

TEST(BottleLs, ShowsEachBottleWithItsState) {
  BottleCli cli;
  cli.start_demo();
  auto r = cli.run({"ls"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("demo"), std::string::npos);
  EXPECT_NE(r.out.find("running"), std::string::npos);
  cli.stop_container("claude-bottle-sidecars-demo");
  EXPECT_NE(cli.run({"ls"}).out.find("exited"), std::string::npos);
}

TEST(BottleStart, InterruptedStartUndoesWhatItDid) {
  BottleCli cli;
  const fs::path fifos = cli.scratch();
  ASSERT_EQ(::mkfifo((fifos / "blocked").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((fifos / "release").c_str(), 0600), 0);
  auto started =
      cli.start_in_background({"start", cli.write_manifest().string(), "--detach"},
                              {{"GITHUB_TOKEN", kToken}, {"FAKE_DOCKER_BLOCK_UP", fifos.string()}});
  // Opening the fifo returns once the fake's compose up is under way.
  std::string line;
  std::getline(std::ifstream(fifos / "blocked"), line);
  ASSERT_EQ(line, "blocked");
  // Ctrl-C reaches bottle (the child here carries on, as compose may), then up returns.
  ASSERT_EQ(::kill(started.pid, SIGINT), 0);
  std::ofstream(fifos / "release") << "go\n";
  auto r = started.wait();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  EXPECT_GE(call_index(cli.docker_calls(),
                       "docker compose --project-name claude-bottle-demo --file " +
                           (cli.bottle_dir() / "docker-compose.yml").string() + " down"),
            0);
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));
  EXPECT_EQ(host_tools::read_metadata(cli.bottle_dir() / "metadata.json")->state, "stopped");
}

TEST(BottleInspect, LogsOfOneDaemonAndStatusThroughTheBundle) {
  BottleCli cli;
  cli.start_demo();
  auto logs = cli.run({"logs", "demo", "pipelock"});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("pipelock: 2026-11-22T10:00:00.000Z info: listening"), std::string::npos);
  EXPECT_NE(logs.out.find("allowed a.com"), std::string::npos);
  EXPECT_EQ(logs.out.find("egress:"), std::string::npos);
  EXPECT_EQ(cli.run({"logs", "demo", "nosuchdaemon"}).exit_code, 2);
  ASSERT_EQ(cli.run({"status", "demo"}).exit_code, 0);
  EXPECT_TRUE(cli.docker_called("docker exec claude-bottle-sidecars-demo sidecarctl status"));
  cli.stop_container("claude-bottle-sidecars-demo");
  auto stopped = cli.run({"status", "demo"});
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_NE(stopped.err.find("is not running"), std::string::npos);
}

// The bundle's daemons run as the image's unprivileged user, whose uid is not
// the operator's: what they must read or write is provided so, and nothing
// more, and the key copies go at stop.
TEST(BottleStart, GivesTheBundlesUserWhatItNeedsAndTakesTheKeyCopiesBackAtStop) {
  BottleCli cli;
  fs::create_directories(cli.scratch() / "keys");
  std::ofstream(cli.scratch() / "keys/id") << "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n";
  std::ofstream(cli.scratch() / "keys/kh") << "git.example.test ssh-ed25519 AAAA\n";
  fs::permissions(cli.scratch() / "keys/id", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  std::ofstream(cli.scratch() / "corp-ca.pem") << "-----BEGIN CERTIFICATE-----\ncorp\n";
  const auto manifest = cli.write_manifest(
      "    git:\n"
      "      - {name: project, upstream: 'git@git.example.test:p.git', ssh_key: keys/id, "
      "known_hosts: keys/kh}\n"
      "    egress_subnet: 198.51.100.0/24\n"
      "    egress_ca_files: [corp-ca.pem]\n");
  auto r = cli.run({"start", manifest.string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(call_index(cli.docker_calls(),
                       "docker network create --label claude-bottle=demo --subnet "
                       "198.51.100.0/24 claude-bottle-demo-egress"),
            0);
  // supervise writes proposals; the sticky bit keeps it off the operator's files.
  EXPECT_EQ(mode_of(cli.bottle_dir() / "proposals"), 01777u);
  const fs::path keys = cli.bottle_dir() / "git-gate/keys/project";
  EXPECT_EQ(read_text(keys / "ssh_key"), "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n");
  EXPECT_EQ(mode_of(keys / "ssh_key"), 0644u);
  EXPECT_EQ(read_text(keys / "known_hosts"), "git.example.test ssh-ed25519 AAAA\n");
  EXPECT_NE(read_text(cli.bottle_dir() / "git-gate/git-gate.yaml")
                .find("ssh_key: /etc/bottle/git-gate/keys/project/ssh_key"),
            std::string::npos);
  // egress trusts pipelock's CA and the operator's.
  const std::string cas = read_text(cli.bottle_dir() / "egress/upstream-ca.pem");
  EXPECT_EQ(cas.find(read_text(cli.bottle_dir() / "pipelock/ca.pem")), 0u);
  EXPECT_NE(cas.find("corp\n"), std::string::npos);

  ASSERT_EQ(cli.run({"stop", "demo"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(cli.bottle_dir() / "git-gate/keys"));
  EXPECT_TRUE(fs::exists(cli.scratch() / "keys/id")) << "the operator's own key stays";
}

// The operator's gitleaks config reaches git-gate beside its config, after
// being read as git-gate reads it: a mistake stops the start, named.
TEST(BottleStart, TheManifestsGitleaksConfigIsCheckedThenGivenToGitGate) {
  BottleCli cli;
  fs::create_directories(cli.scratch() / "keys");
  std::ofstream(cli.scratch() / "keys/id") << "key\n";
  std::ofstream(cli.scratch() / "keys/kh") << "git.example.test ssh-ed25519 AAAA\n";
  // useDefault extends the shipped rules of the source tree bottle starts from.
  fs::create_directories(cli.scratch() / "src/common/secrets");
  std::ofstream(cli.scratch() / "src/common/secrets/rules.toml")
      << "[[rules]]\nid = \"shipped\"\nregex = 'SHIPPED-[0-9]{8}'\n";
  const std::string git =
      "    git:\n"
      "      - {name: project, upstream: 'git@git.example.test:p.git', ssh_key: keys/id, "
      "known_hosts: keys/kh}\n"
      "    git_rules: corp-rules.toml\n";
  const std::string good =
      "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"corp-token\"\n"
      "regex = '''CORP-[0-9a-f]{32}'''\nkeywords = [\"corp-\"]\n";
  std::ofstream(cli.scratch() / "corp-rules.toml")
      << "[[rules]]\nid = \"corp-token\"\nregex = '''CORP-[0-9a-f{32}'''\n";
  auto bad =
      cli.run({"start", cli.write_manifest(git).string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("corp-rules.toml:3"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("is not a valid RE2 expression"), std::string::npos) << bad.err;
  EXPECT_FALSE(cli.docker_called("compose"));

  // Named whether or not the file it names exists on this host.
  std::ofstream(cli.scratch() / "corp-rules.toml") << "[extend]\npath = \"nope.toml\"\n";
  auto missing =
      cli.run({"start", cli.write_manifest(git).string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("key 'extend.path'"), std::string::npos) << missing.err;
  std::ofstream(cli.scratch() / "corp-rules.toml") << "[extend]\npath = \"other.toml\"\n";
  std::ofstream(cli.scratch() / "other.toml") << good;
  auto extends =
      cli.run({"start", cli.write_manifest(git).string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  EXPECT_EQ(extends.exit_code, 2) << extends.err;
  EXPECT_NE(extends.err.find("key 'extend.path': a bottle's git_rules is one self-contained file"),
            std::string::npos)
      << extends.err;

  std::ofstream(cli.scratch() / "corp-rules.toml") << good;
  auto r =
      cli.run({"start", cli.write_manifest(git).string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(cli.bottle_dir() / "git-gate/rules.toml"), good);
  EXPECT_EQ(mode_of(cli.bottle_dir() / "git-gate/rules.toml"), 0644u);
  EXPECT_NE(read_text(cli.bottle_dir() / "git-gate/git-gate.yaml").find("rules: rules.toml"),
            std::string::npos);
}

TEST(SubnetPool, BottlesTakeDistinctSmallSubnetsAndGiveThemBackAtStop) {
  BottleCli cli;
  const std::string two =
      "bottles:\n"
      "  one:\n    agent: {image: 'agent:1', workdir: .}\n"
      "    allowlist: [a.example.com]\n"
      "  two:\n    agent: {image: 'agent:1', workdir: .}\n"
      "    allowlist: [a.example.com]\n";
  std::ofstream(cli.scratch() / "two.yaml") << two;
  const auto manifest = (cli.scratch() / "two.yaml").string();
  ASSERT_EQ(cli.run({"start", manifest, "one", "--detach"}).exit_code, 0);
  ASSERT_EQ(cli.run({"start", manifest, "two", "--detach"}).exit_code, 0);
  const auto one = host_tools::read_metadata(cli.state() / "one/metadata.json");
  const auto second = host_tools::read_metadata(cli.state() / "two/metadata.json");
  EXPECT_EQ(one->internal_subnet, "10.213.0.0/28");
  EXPECT_EQ(one->egress_subnet, "10.213.0.16/28");
  EXPECT_EQ(second->internal_subnet, "10.213.0.32/28");
  EXPECT_EQ(second->egress_subnet, "10.213.0.48/28");
  const std::string record = read_text(cli.state() / "subnets.json");
  EXPECT_NE(record.find("\"10.213.0.32/28\""), std::string::npos) << record;

  // Stopping one gives its subnets back: the next start takes them again.
  ASSERT_EQ(cli.run({"stop", "one"}).exit_code, 0);
  EXPECT_EQ(read_text(cli.state() / "subnets.json").find("\"10.213.0.0/28\""), std::string::npos);
  ASSERT_EQ(cli.run({"start", manifest, "one", "--detach"}).exit_code, 0);
  EXPECT_EQ(host_tools::read_metadata(cli.state() / "one/metadata.json")->internal_subnet,
            "10.213.0.0/28");
}

TEST(SubnetPool, SubnetsAnotherNetworkHoldsAreSkippedAndAFullPoolIsRefused) {
  BottleCli cli;
  auto r = cli.run(
      {"start", cli.write_manifest().string(), "--detach"},
      {{"GITHUB_TOKEN", kToken}, {"FAKE_DOCKER_TAKEN_SUBNETS", "10.213.0.0/28 10.213.0.16/28"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto meta = host_tools::read_metadata(cli.bottle_dir() / "metadata.json");
  EXPECT_EQ(meta->internal_subnet, "10.213.0.32/28");
  EXPECT_EQ(meta->egress_subnet, "10.213.0.48/28");
  ASSERT_EQ(cli.run({"stop", "demo"}).exit_code, 0);

  // A pool of one /28 holds one network, not the two a bottle needs.
  auto full = cli.run({"start", cli.write_manifest().string(), "--detach"},
                      {{"GITHUB_TOKEN", kToken}, {"BOTTLE_SUBNET_POOL", "10.99.0.0/28"}});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_NE(full.err.find("the subnet pool 10.99.0.0/28 is full (1 subnets)"), std::string::npos)
      << full.err;
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));

  auto bad = cli.run({"start", cli.write_manifest().string(), "--detach"},
                     {{"GITHUB_TOKEN", kToken}, {"BOTTLE_SUBNET_POOL", "10.99.0.1/16"}});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("subnet pool '10.99.0.1/16' (BOTTLE_SUBNET_POOL) is not an IPv4 subnet"),
            std::string::npos)
      << bad.err;
}

TEST(BottleStart, TheAgentGetsLimitsAndNoIpv6) {
  BottleCli cli;
  std::ofstream(cli.scratch() / "limits.yaml")
      << "bottles:\n  demo:\n    agent:\n      image: 'agent:1'\n      workdir: .\n"
         "      limits: {pids: 256, memory: 2g, cpus: 1.5}\n    allowlist: [a.com]\n";
  auto r = cli.run({"start", (cli.scratch() / "limits.yaml").string(), "--detach"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string compose = read_text(cli.bottle_dir() / "docker-compose.yml");
  for (const char* line : {"pids_limit: 256", "mem_limit: 2g", "memswap_limit: 2g", "cpus: 1.5",
                           "net.ipv6.conf.all.disable_ipv6: 1"}) {
    EXPECT_NE(compose.find(line), std::string::npos) << line << "\n" << compose;
  }
}

TEST(BottleStart, TheAgentRunsAsTheUserTheManifestNames) {
  BottleCli cli;
  std::ofstream(cli.scratch() / "user.yaml")
      << "bottles:\n  demo:\n    agent:\n      image: 'agent:1'\n      workdir: .\n"
         "      user: '1000:59'\n    allowlist: [a.com]\n";
  auto r = cli.run({"start", (cli.scratch() / "user.yaml").string(), "--detach"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string compose = read_text(cli.bottle_dir() / "docker-compose.yml");
  // Tagged: docker-compose reads YAML 1.1, where a bare 1000:59 is the number 60059.
  EXPECT_NE(compose.find("user: !<tag:yaml.org,2002:str> 1000:59"), std::string::npos) << compose;

  // A uid alone gets its own number as group, never root's group 0.
  std::ofstream(cli.scratch() / "user.yaml")
      << "bottles:\n  demo:\n    agent:\n      image: 'agent:1'\n      workdir: .\n"
         "      user: '1234'\n    allowlist: [a.com]\n";
  ASSERT_EQ(cli.run({"stop", "demo"}).exit_code, 0);
  auto uid_only = cli.run({"start", (cli.scratch() / "user.yaml").string(), "--detach"});
  ASSERT_EQ(uid_only.exit_code, 0) << uid_only.err;
  EXPECT_NE(read_text(cli.bottle_dir() / "docker-compose.yml")
                .find("user: !<tag:yaml.org,2002:str> 1234:1234"),
            std::string::npos);
}

TEST(BottleStart, ATokenCopiedIntoTheAgentsEnvironmentIsRefused) {
  BottleCli cli;
  const auto manifest = cli.write_manifest();
  std::string text = read_text(manifest);
  text.replace(text.find("workdir: ./work}"), 16,
               std::string("workdir: ./work, env: {GH: 'token ") + kToken + "'}}");
  std::ofstream(manifest) << text;
  auto r = cli.run({"start", manifest.string(), "--detach"}, {{"GITHUB_TOKEN", kToken}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("key 'agent.env.GH' holds the value of $GITHUB_TOKEN, the token egress "
                       "injects: give the agent a placeholder instead"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(kToken), std::string::npos) << "the refusal must not print the token";
  EXPECT_FALSE(cli.docker_called("compose"));
}

TEST(BottleStart, ADockerThatPutsTheHostOnTheAgentsNetworkIsRefused) {
  BottleCli cli;
  // The "bridge" Docker made is an interface on which this host has an address.
  auto r = cli.run({"start", cli.write_manifest().string(), "--detach"},
                   {{"GITHUB_TOKEN", kToken}, {"FAKE_DOCKER_BRIDGE", "lo"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Docker gave the host the address 127.0.0.1 on the agent's network "
                       "claude-bottle-demo-internal (bridge lo)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("refusing to start"), std::string::npos) << r.err;
  EXPECT_EQ(
      call_index(cli.docker_calls(), "docker compose --project-name claude-bottle-demo --file"), -1)
      << "compose ran";
  EXPECT_TRUE(fs::is_empty(cli.scratch() / "docker/networks"));
}
