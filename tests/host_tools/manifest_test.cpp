#include "manifest.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "bottle/config/config_error.hpp"

using namespace host_tools;

namespace {

const char* kGood = R"(bottles:
  demo:
    agent:
      image: agent:1
      workdir: ./work
      env: {EDITOR: vi}
    allowlist: [API.Anthropic.com., "*.github.com", api.anthropic.com]
    routes:
      - {host: api.github.com, upstream: "https://api.github.com", token_env: GITHUB_TOKEN}
      - {host: api.github.com, path_prefix: /graphql, upstream: "https://api.github.com",
         token_env: GITHUB_TOKEN}
      - {host: gitlab.com, upstream: "https://gitlab.com", token_env: GITLAB_TOKEN,
         header: PRIVATE-TOKEN, value: "{token}"}
    git:
      - {name: project, upstream: "git@github.com:me/p.git", ssh_key: ~/.ssh/id, known_hosts: kh}
  other:
    agent: {dockerfile: images/Dockerfile.agent, workdir: /srv/w}
    allowlist: [example.com]
    supervise: false
)";

std::string error_of(const std::string& text) {
  try {
    parse_manifest_text(text, "/m/bottles.yaml");
  } catch (const bottle::config::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Sets an environment variable for one test, and puts back what was there:
// the next test in the same process must see the runner's environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Manifest, ReadsEveryPartOfABottle) {
  const ScopedEnv home("HOME", "/home/op");
  const Manifest m = parse_manifest_text(kGood, "/m/bottles.yaml");
  ASSERT_EQ(m.bottles.size(), 2u);
  const BottleSpec& demo = m.select("demo");
  EXPECT_EQ(demo.agent.image, "agent:1");
  EXPECT_EQ(demo.agent.workdir, "/m/work");
  EXPECT_EQ(demo.agent.mount_at, "/workspace");
  EXPECT_EQ(demo.agent.command, std::vector<std::string>{"/bin/bash"});
  EXPECT_EQ(demo.agent.env.at("EDITOR"), "vi");
  EXPECT_EQ(demo.allowlist, (std::vector<std::string>{"api.anthropic.com", "*.github.com"}));
  ASSERT_EQ(demo.routes.size(), 3u);
  EXPECT_EQ(demo.routes[1].path_prefix, "/graphql");
  EXPECT_EQ(demo.routes[2].header, "PRIVATE-TOKEN");
  EXPECT_EQ(demo.token_variables(), (std::vector<std::string>{"GITHUB_TOKEN", "GITLAB_TOKEN"}));
  ASSERT_EQ(demo.git.size(), 1u);
  EXPECT_EQ(demo.git[0].ssh_key, "/home/op/.ssh/id");
  EXPECT_EQ(demo.git[0].known_hosts, "/m/kh");
  EXPECT_TRUE(demo.supervise);

  const BottleSpec& other = m.select("other");
  EXPECT_EQ(other.agent.image, "claude-bottle-agent-other:latest");
  EXPECT_EQ(*other.agent.dockerfile, "/m/images/Dockerfile.agent");
  EXPECT_EQ(other.agent.build_context, "/m/images");
  EXPECT_FALSE(other.supervise);
}

TEST(Manifest, SelectingNeedsANameWhenThereAreSeveral) {
  const Manifest m = parse_manifest_text(kGood, "/m/bottles.yaml");
  EXPECT_THROW(m.select(""), bottle::config::ConfigError);
  try {
    m.select("nope");
    FAIL() << "a bottle the manifest does not declare was selected";
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("declares: demo, other"), std::string::npos);
  }
}

TEST(Manifest, ReadsTheEgressNetworkSettings) {
  const Manifest m = parse_manifest_text(
      "bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n"
      "    egress_subnet: 198.51.100.0/24\n    egress_ca_files: [certs/corp.pem, /etc/x.pem]\n",
      "/m/bottles.yaml");
  const BottleSpec& b = m.select("demo");
  EXPECT_EQ(b.egress_subnet, "198.51.100.0/24");
  EXPECT_EQ(b.egress_ca_files,
            (std::vector<std::filesystem::path>{"/m/certs/corp.pem", "/etc/x.pem"}));
  const BottleSpec plain =
      parse_manifest_text("bottles:\n  d:\n    agent: {image: a, workdir: w}\n    allowlist: [a]\n",
                          "/m/bottles.yaml")
          .select("d");
  EXPECT_FALSE(plain.egress_subnet);
  EXPECT_TRUE(plain.egress_ca_files.empty());
}

TEST(Manifest, ABadEgressSubnetIsNamed) {
  for (const char* bad :
       {"198.51.100.0", "198.51.100.0/33", "300.1.1.0/24", "10.0.0.0/24x", "fd00::/64"}) {
    EXPECT_EQ(error_of(std::string("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n"
                                   "    allowlist: [a.com]\n    egress_subnet: '") +
                       bad + "'\n"),
              std::string("/m/bottles.yaml:5: bottle 'demo': key 'egress_subnet': '") + bad +
                  "' is not an IPv4 subnet such as 198.51.100.0/24")
        << bad;
  }
}

TEST(Manifest, TlsInterceptionIsOffUnlessAskedForAndItsKeysAreChecked) {
  const std::string head =
      "bottles:\n  d:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n";
  EXPECT_FALSE(parse_manifest_text(head, "/m/b.yaml").bottles[0].tls_interception.enabled);
  const auto b =
      parse_manifest_text(
          head + "    tls_interception: {enabled: true, passthrough_domains: ['*.Pin.example']}\n",
          "/m/b.yaml")
          .bottles[0];
  EXPECT_TRUE(b.tls_interception.enabled);
  EXPECT_EQ(b.tls_interception.passthrough_domains, std::vector<std::string>{"*.pin.example"});
  EXPECT_EQ(error_of(head + "    tls_interception: {enable: true}\n"),
            "/m/bottles.yaml:5: bottle 'd': key 'tls_interception.enable': unknown key (known: "
            "enabled, passthrough_domains)");
  EXPECT_EQ(error_of(head + "    tls_interception: {passthrough_domains: ['https://x']}\n"),
            "/m/bottles.yaml:5: bottle 'd': key 'tls_interception.passthrough_domains': "
            "'https://x' has the character ':', which is not allowed (letters, digits, '_', '.', "
            "'-', and a leading '*.')");
}

TEST(Manifest, ErrorsNameFileLineBottleAndKey) {
  EXPECT_EQ(
      error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n"
               "    alowlist: [b.com]\n"),
      "/m/bottles.yaml:5: bottle 'demo': key 'alowlist': unknown key (known: agent, "
      "allowlist, egress_ca_files, egress_subnet, git, git_rules, routes, supervise, "
      "tls_interception)");
  EXPECT_EQ(error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n"
                     "    allowlist: [a.com, 'b .com']\n"),
            "/m/bottles.yaml:4: bottle 'demo': key 'allowlist': 'b .com' has the character ' ', "
            "which is not allowed (letters, digits, '_', '.', '-', and a leading '*.')");
  EXPECT_EQ(error_of("bottles:\n  Demo_1:\n    agent: {image: a, workdir: w}\n"),
            "/m/bottles.yaml:2: key 'bottles.Demo_1': a bottle's name must be 1-40 lower-case "
            "letters, digits and '-' (it names its containers and networks)");
  EXPECT_EQ(error_of("bottles:\n  demo:\n    agent: {image: a}\n    allowlist: [a.com]\n"),
            "/m/bottles.yaml:3: bottle 'demo': key 'agent.workdir': is required (the folder the "
            "agent works in)");
  EXPECT_EQ(error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w, env: {HTTPS_PROXY: x}}\n"
                     "    allowlist: [a.com]\n"),
            "/m/bottles.yaml:3: bottle 'demo': key 'agent.env.HTTPS_PROXY': is set by the bottle "
            "(the agent's way out is pipelock)");
  EXPECT_EQ(error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: []\n"),
            "/m/bottles.yaml:4: bottle 'demo': key 'allowlist': must name at least one host");
  EXPECT_EQ(
      error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n"
               "    routes:\n      - {host: a.com, upstream: 'https://a.com'}\n"),
      "/m/bottles.yaml:6: bottle 'demo': route 1: key 'token_env': is required");
  EXPECT_EQ(error_of("bottles:\n  demo: [\n"),
            "/m/bottles.yaml:3: not valid YAML: end of sequence flow not found");
  EXPECT_EQ(
      error_of("bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n"
               "    supervise: maybe\n"),
      "/m/bottles.yaml:5: bottle 'demo': key 'supervise': must be true or false");
}

TEST(Manifest, TheAgentHasSafeLimitsUnlessTheOperatorSetsOthers) {
  const auto defaults = host_tools::parse_manifest_text(
      "bottles:\n  demo:\n    agent: {image: a, workdir: w}\n    allowlist: [a.com]\n", "m.yaml");
  EXPECT_EQ(defaults.bottles[0].agent.limits.pids, 1024);
  EXPECT_EQ(defaults.bottles[0].agent.limits.memory, "4g");
  EXPECT_EQ(defaults.bottles[0].agent.limits.cpus, "2");
  const auto set = host_tools::parse_manifest_text(
      "bottles:\n  demo:\n    agent: {image: a, workdir: w, limits: {pids: 64, memory: 512m, "
      "cpus: 0.5}}\n    allowlist: [a.com]\n",
      "m.yaml");
  EXPECT_EQ(set.bottles[0].agent.limits.pids, 64);
  EXPECT_EQ(set.bottles[0].agent.limits.memory, "512m");
  EXPECT_EQ(set.bottles[0].agent.limits.cpus, "0.5");
}

TEST(Manifest, BadLimitsAreNamed) {
  const std::string head = "bottles:\n  demo:\n    agent: {image: a, workdir: w, limits: ";
  const std::string tail = "}\n    allowlist: [a.com]\n";
  EXPECT_NE(error_of(head + "{pids: 0}" + tail)
                .find("key 'agent.limits.pids': '0' must be a whole number of processes"),
            std::string::npos);
  EXPECT_NE(error_of(head + "{memory: lots}" + tail)
                .find("key 'agent.limits.memory': 'lots' must be a size such as 4g or 512m"),
            std::string::npos);
  EXPECT_NE(error_of(head + "{memory: 1m}" + tail).find("at least 64m"), std::string::npos);
  EXPECT_NE(error_of(head + "{cpus: -1}" + tail)
                .find("key 'agent.limits.cpus': '-1' must be a number of CPUs"),
            std::string::npos);
  EXPECT_NE(error_of(head + "{swap: 1g}" + tail)
                .find("key 'swap': unknown key (known: cpus, memory, pids)"),
            std::string::npos);
}

TEST(Manifest, TheAgentUserIsNumericAndNeverRoot) {
  const std::string head = "bottles:\n  demo:\n    agent: {image: a, workdir: w, user: ";
  const std::string tail = "}\n    allowlist: [a.com]\n";
  EXPECT_FALSE(
      parse_manifest_text(head.substr(0, head.size() - 8) + "}\n    allowlist: [a.com]\n", "m.yaml")
          .bottles[0]
          .agent.user);
  EXPECT_EQ(parse_manifest_text(head + "'1000:1000'" + tail, "m.yaml").bottles[0].agent.user,
            "1000:1000");
  EXPECT_EQ(parse_manifest_text(head + "'1234'" + tail, "m.yaml").bottles[0].agent.user, "1234");
  for (const char* bad :
       {"root", "agent", "'1000:'", "':1000'", "'-1'", "'1000:1000:1'", "'0x10'"}) {
    EXPECT_NE(error_of(head + bad + tail).find("key 'agent.user': "), std::string::npos) << bad;
    EXPECT_NE(error_of(head + bad + tail).find("must be a numeric UID or UID:GID"),
              std::string::npos)
        << bad;
  }
  for (const char* root : {"0", "'0:1000'", "'1000:0'", "'000'"}) {
    EXPECT_NE(error_of(head + root + tail).find("is root's: the agent runs unprivileged"),
              std::string::npos)
        << root;
  }
}

// The example manifests are what an operator copies: they must parse, and
// their routes must carry the API keys the way the agents send them.
TEST(Manifest, TheClaudeCodeExampleInjectsTheKeyTheAgentSends) {
  const auto m = parse_manifest(std::filesystem::path(SOURCE_DIR) / "examples/claude-code.yaml");
  ASSERT_EQ(m.bottles.size(), 1u);
  const BottleSpec& b = m.bottles[0];
  EXPECT_EQ(b.agent.image, "claude-bottle-claude-code:latest");
  EXPECT_EQ(b.agent.command, std::vector<std::string>{"claude"});
  EXPECT_EQ(b.agent.env.at("ANTHROPIC_BASE_URL"), "http://egress:8080/api.anthropic.com");
  EXPECT_EQ(b.agent.env.at("ANTHROPIC_API_KEY"), "sk-ant-bottle-placeholder");
  EXPECT_EQ(b.allowlist, std::vector<std::string>{"api.anthropic.com"});
  ASSERT_EQ(b.routes.size(), 1u);
  EXPECT_EQ(b.routes[0].host, "api.anthropic.com");
  EXPECT_EQ(b.routes[0].header, "x-api-key");
  EXPECT_EQ(b.routes[0].value, "{token}");
  EXPECT_EQ(b.routes[0].token_env, "ANTHROPIC_API_KEY");
  EXPECT_TRUE(b.supervise);
}

TEST(Manifest, TheCodexExampleInjectsABearerToken) {
  const auto m = parse_manifest(std::filesystem::path(SOURCE_DIR) / "examples/codex.yaml");
  ASSERT_EQ(m.bottles.size(), 1u);
  const BottleSpec& b = m.bottles[0];
  EXPECT_EQ(b.agent.env.at("OPENAI_BASE_URL"), "http://egress:8080/api.openai.com/v1");
  ASSERT_EQ(b.routes.size(), 1u);
  EXPECT_EQ(b.routes[0].host, "api.openai.com");
  EXPECT_EQ(b.routes[0].header, "Authorization");
  EXPECT_EQ(b.routes[0].value, "Bearer {token}");
  EXPECT_EQ(b.routes[0].token_env, "OPENAI_API_KEY");
}

TEST(Manifest, GitRulesNameAGitleaksFileForABottleWithRepositories) {
  const std::string head =
      "bottles:\n  demo:\n    agent: {image: a, workdir: w}\n"
      "    allowlist: [a.com]\n";
  const std::string git =
      "    git:\n      - {name: p, upstream: 'git@h:p.git', ssh_key: k, known_hosts: kh}\n";
  const auto m =
      parse_manifest_text(head + git + "    git_rules: rules/corp.toml\n", "/m/bottles.yaml");
  EXPECT_EQ(m.bottles[0].git_rules, std::filesystem::path("/m/rules/corp.toml"));
  EXPECT_NE(error_of(head + "    git_rules: corp.toml\n")
                .find("key 'git_rules': only makes sense with git repositories"),
            std::string::npos);
  EXPECT_NE(error_of(head + git + "    git_rules: corp.yaml\n")
                .find("key 'git_rules': '/m/corp.yaml' must be a gitleaks configuration (.toml)"),
            std::string::npos);
}
