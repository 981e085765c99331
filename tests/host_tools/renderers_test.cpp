#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bottle/config/atomic_file.hpp"
#include "compose_file.hpp"
#include "manifest.hpp"
#include "sidecar_configs.hpp"

using namespace host_tools;

namespace {

const char* kManifest = R"(bottles:
  demo:
    agent:
      image: agent:1
      workdir: /work/project
      env: {PRICE: "$5"}
    allowlist: [a.com]
    routes:
      - {host: api.github.com, upstream: "https://api.github.com", token_env: GITHUB_TOKEN}
    git:
      - {name: project, upstream: "git@github.com:me/p.git", ssh_key: /keys/id, known_hosts: /keys/kh}
)";

BottleSpec demo() { return parse_manifest_text(kManifest, "/m/bottles.yaml").select("demo"); }

}  // namespace

// The golden file is the reviewed compose file; regenerate it by running this
// test with UPDATE_GOLDEN=1 and read the diff before committing it.
TEST(ComposeFile, MatchesTheReviewedGoldenFile) {
  const std::string rendered =
      render_compose_file(demo(), BottlePaths("/state", "demo"), "10.213.0.2");
  const std::string golden_path = std::string(GOLDEN_DIR) + "/docker-compose.yml";
  if (std::getenv("UPDATE_GOLDEN")) {
    // Never a pass: a run that wrote the file compared nothing.
    bottle::config::write_file_atomically(golden_path, rendered);
    FAIL() << "rewrote " << golden_path
           << ": review its diff, then run again without UPDATE_GOLDEN";
  }
  EXPECT_EQ(rendered, bottle::config::read_file(golden_path));
}

TEST(ComposeFile, CarriesTokensByNameOnlyAndMountsFoldersNotFiles) {
  const YAML::Node root =
      YAML::Load(render_compose_file(demo(), BottlePaths("/state", "demo"), "10.213.0.2"));
  const YAML::Node sidecars = root["services"]["sidecars"];
  bool token_by_name = false;
  for (const auto& e : sidecars["environment"]) {
    token_by_name |= e.Scalar() == "BOTTLE_TOKEN_GITHUB_TOKEN";
    EXPECT_NE(e.Scalar().rfind("BOTTLE_TOKEN_GITHUB_TOKEN=", 0), 0u) << "a token value on disk";
  }
  EXPECT_TRUE(token_by_name);
  for (const auto& v : sidecars["volumes"]) {
    const std::string mount = v.Scalar();
    EXPECT_EQ(mount.find(".yaml"), std::string::npos)
        << "a config mounted as a single file: " << mount;
  }
  EXPECT_EQ(root["services"]["agent"]["depends_on"]["sidecars"]["condition"].Scalar(),
            "service_healthy");
  EXPECT_TRUE(root["networks"]["claude-bottle-demo-internal"]["external"].as<bool>());
  EXPECT_EQ(root["services"]["agent"]["networks"].size(), 1u)
      << "the agent is only on the internal network";
  EXPECT_EQ(root["version"].Scalar(), "2.4");
  EXPECT_EQ(root["version"].Tag(), "!") << "quoted, a string for docker-compose v1";
  EXPECT_EQ(sidecars["environment"][0].Scalar(),
            "CLAUDE_BOTTLE_SIDECAR_DAEMONS=pipelock,egress,git-gate,supervise");
}

TEST(ComposeFile, DollarsInValuesAreNotInterpolated) {
  const std::string text = render_compose_file(demo(), BottlePaths("/state", "demo"), "10.213.0.2");
  EXPECT_NE(text.find("PRICE=$$5"), std::string::npos);
}

TEST(SidecarConfigs, GitUpstreamsPointTheAgentAtGitGate) {
  const BottleSpec b = demo();
  EXPECT_EQ(render_agent_gitconfig(b),
            "# Written by the bottle host tool: the agent's git remotes go through git-gate.\n"
            "[url \"git://git-gate:9418/project\"]\n\tinsteadOf = git@github.com:me/p.git\n");
  const YAML::Node gate = YAML::Load(render_git_gate_config(b));
  EXPECT_EQ(gate["upstreams"][0]["upstream"].Scalar(), "git@github.com:me/p.git");
  EXPECT_EQ(gate["upstreams"][0]["ssh_key"].Scalar(), "/etc/bottle/git-gate/keys/project/ssh_key");
  const YAML::Node supervise = YAML::Load(render_supervise_config(b));
  EXPECT_EQ(supervise["proposals_dir"].Scalar(), "/var/lib/bottle/proposals");
  EXPECT_EQ(supervise["routes_config"].Scalar(), "/etc/bottle/egress/routes.yaml");
}
