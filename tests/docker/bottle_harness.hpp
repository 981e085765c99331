#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "process_harness.hpp"

// A real bottle, booted by the real `bottle` host tool in real Docker from a
// manifest the harness writes, beside a stand-in for the internet (the
// test-upstream image) on the bottle's egress network. The images must exist
// (the docker/build-images fixture builds them).
namespace bottle_e2e {

using namespace std::chrono_literals;

struct CommandResult {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Names the upstream answers to, through Docker's DNS on the egress network.
inline constexpr const char* kApiHost = "api.upstream.test";
inline constexpr const char* kOtherHost = "other.upstream.test";
inline constexpr const char* kBlockedHost = "blocked.upstream.test";
inline constexpr const char* kGitHost = "git.upstream.test";
// The Anthropic API's stand-in (anthropic_standin.py): never the real name,
// so that a missing alias can never send a test's request to the internet.
inline constexpr const char* kAnthropicHost = "api.anthropic.test";

// A bottle from one of the project's example manifests, started as an
// operator would start it, with the test's stand-ins for the internet: every
// `renames` pair is replaced in the example's text (api.anthropic.com ->
// api.anthropic.test); the workdir becomes the test's, owned by `user`, who
// the agent runs as; and the test's git upstream, egress subnet and CA are
// added. The stand-in for the Anthropic API runs beside the upstream.
struct FromExample {
  std::string file;    // under examples/
  std::string bottle;  // its key in that file
  std::vector<std::pair<std::string, std::string>> renames;
  std::string user;                             // agent.user, "UID:GID"
  std::map<std::string, std::string> host_env;  // the operator's shell, for `bottle`
};

// Follows a container's log from the moment it was made, so a line logged
// after that moment is never missed, however soon it comes.
class LogWatch {
 public:
  explicit LogWatch(const std::string& container);
  // The next line containing `text`, or nothing by the deadline.
  std::optional<std::string> line_with(const std::string& text,
                                       std::chrono::milliseconds deadline = 20s);

 private:
  std::unique_ptr<bottle_test::Process> follower_;
};

class Bottle {
 public:
  // `name` names the bottle (claude-bottle-<name>); `subnet_octet` picks the
  // egress network 198.18.<octet>.0/24, a range pipelock does not refuse as
  // private, so that each test's upstream is reachable and distinct.
  // agent_yaml: extra keys of the manifest's agent entry, each line indented
  // by six spaces (`      limits: {pids: 128}\n`).
  // bottle_yaml: extra keys of the bottle itself, indented by four spaces.
  Bottle(std::string name, int subnet_octet, const std::string& agent_yaml = "",
         const std::string& bottle_yaml = "");
  Bottle(std::string name, int subnet_octet, const FromExample& example);
  ~Bottle();
  Bottle(const Bottle&) = delete;
  Bottle& operator=(const Bottle&) = delete;

  const std::string& name() const { return name_; }
  const std::string& token() const { return token_; }
  std::string agent_container() const { return "claude-bottle-" + name_; }
  std::string sidecars_container() const { return "claude-bottle-sidecars-" + name_; }
  std::string upstream_container() const { return "claude-bottle-e2e-upstream-" + name_; }
  std::string standin_container() const { return "claude-bottle-e2e-anthropic-" + name_; }
  std::string project() const { return "claude-bottle-" + name_; }
  std::filesystem::path state_dir() const { return state_root_ / name_; }
  std::filesystem::path scratch() const { return scratch_; }

  // The host tool, with this bottle's state folder and the token in its environment.
  CommandResult bottle(const std::vector<std::string>& args) const;
  // A shell command in the agent, the sidecars container, or the upstream.
  CommandResult agent(const std::string& script) const;
  CommandResult sidecars(const std::string& script) const;
  CommandResult upstream(const std::string& script) const;
  // The same, left running, its output read as it comes.
  std::unique_ptr<bottle_test::Process> agent_background(const std::string& script) const;
  // One request to the Anthropic stand-in's control port (FromExample bottles).
  CommandResult standin(const std::string& method, const std::string& path,
                        const std::string& body = "") const;

  // `sidecarctl status --json`, through docker exec.
  nlohmann::json status() const;
  int daemon_pid(const std::string& daemon) const;
  // `docker compose` of this project, with the given arguments.
  CommandResult compose(const std::vector<std::string>& args) const;

  // `bottle stop`, then checks that no container, network or volume of the
  // bottle is left. Returns what is left, described; empty when nothing.
  std::string stop_and_list_leftovers();

 private:
  void prepare(int subnet_octet, const std::string& agent_yaml, const std::string& bottle_yaml,
               const FromExample* example);
  void write_keys_and_certificates();
  void write_manifest(int subnet_octet, const std::string& agent_yaml,
                      const std::string& bottle_yaml);
  void write_manifest_from(int subnet_octet, const FromExample& example);
  void start_upstream();
  void start_standin();

  std::string name_;
  std::string token_;
  std::filesystem::path scratch_;
  std::filesystem::path state_root_;
  std::string volumes_before_;
  std::map<std::string, std::string> host_env_;
  bool standin_ = false;
  bool stopped_ = false;
};

// The subnet pool of the tests' bottles: apart from the default one, so that no
// test bottle ever takes a subnet a real bottle on this host would.
inline constexpr const char* kTestSubnetPool = "10.215.0.0/16";

// supervise's MCP endpoint as the agent reaches it, and the headers every
// request to it carries.
inline const std::string kMcp = "http://supervise:8765/mcp";
inline const std::string kMcpHeaders =
    "-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "
    "-H 'MCP-Protocol-Version: 2025-06-18'";
// Opens an MCP session from inside the agent, as an MCP client would; returns its id.
std::string open_mcp_session(const Bottle& b);
// Calls one of supervise's tools (no arguments) in `session`; the answer.
std::string call_tool(const Bottle& b, const std::string& session, const std::string& tool);

// Runs argv to completion; stdout and stderr together.
CommandResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& extra_env = {});

}  // namespace bottle_e2e
