#include "compose_file.hpp"

#include <yaml-cpp/yaml.h>

#include "bottle/text/join.hpp"
#include "sidecar_configs.hpp"
#include "yaml_text.hpp"

namespace host_tools {

namespace {

// Compose interpolates "$NAME" in every value; a literal dollar is "$$".
std::string literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

void harden(YAML::Node service) {
  service["security_opt"].push_back("no-new-privileges:true");
  service["cap_drop"].push_back("ALL");
}

YAML::Node sidecars_service(const BottleSpec& bottle, const BottlePaths& paths,
                            const std::string& sidecars_address) {
  YAML::Node s;
  s["image"] = kSidecarsImage;
  s["container_name"] = paths.sidecars_container();
  s["environment"].push_back("CLAUDE_BOTTLE_SIDECAR_DAEMONS=" +
                             bottle::text::join(daemons_for(bottle), ","));
  // egress reaches its upstreams through pipelock, beside it in this container.
  s["environment"].push_back("HTTPS_PROXY=http://127.0.0.1:" +
                             std::to_string(in_bundle::kPipelockPort));
  s["environment"].push_back("NO_PROXY=localhost,127.0.0.1");
  for (const auto& name : bottle.token_variables()) {
    s["environment"].push_back(bottle::config::token_variable_in_bundle(name));
  }
  auto mount = [&](const std::filesystem::path& host, const std::string& inside, bool ro) {
    s["volumes"].push_back(literal(host.string()) + ":" + inside + (ro ? ":ro" : ""));
  };
  // Whole folders, never single files: a file replaced by rename would stay
  // invisible behind a single-file mount, which pins the old inode.
  mount(paths.pipelock_dir(), in_bundle::kPipelockDir, true);
  mount(paths.egress_dir(), in_bundle::kEgressDir, true);
  mount(paths.git_gate_dir(), in_bundle::kGitGateDir, true);
  mount(paths.supervise_dir(), in_bundle::kSuperviseDir, true);
  mount(paths.proposals_dir(), in_bundle::kProposalsDir, false);
  YAML::Node internal;
  for (const char* alias : {"pipelock", "egress", "git-gate", "supervise"}) {
    internal["aliases"].push_back(alias);
  }
  // Pinned: pipelock's SSRF exemption names this one address.
  internal["ipv4_address"] = sidecars_address;
  s["networks"][paths.internal_network()] = internal;
  s["networks"][paths.egress_network()] = YAML::Node(YAML::NodeType::Map);
  s["healthcheck"]["test"].push_back("CMD");
  s["healthcheck"]["test"].push_back("sidecarctl");
  s["healthcheck"]["test"].push_back("health");
  s["healthcheck"]["interval"] = "2s";
  s["healthcheck"]["timeout"] = "5s";
  s["healthcheck"]["retries"] = 30;
  s["healthcheck"]["start_period"] = "2s";
  // The supervisor's shutdown is bounded well inside Docker's grace period.
  s["stop_grace_period"] = "10s";
  harden(s);
  // What the supervisor needs to run daemons as the unprivileged user and
  // to stop them: switching uid/gid and signalling processes of another user.
  for (const char* cap : {"SETUID", "SETGID", "KILL"}) s["cap_add"].push_back(cap);
  // No restart policy: a bundle that went down stays down, failing closed,
  // and the agent with it is cut off.
  return s;
}

YAML::Node agent_service(const BottleSpec& bottle, const BottlePaths& paths) {
  YAML::Node a;
  a["image"] = literal(bottle.agent.image);
  a["container_name"] = paths.agent_container();
  // The agent's own command runs through `docker exec`; this only keeps the
  // container alive, with an init to reap what the sessions leave behind.
  a["command"].push_back("sleep");
  a["command"].push_back("infinity");
  a["init"] = true;
  a["working_dir"] = literal(bottle.agent.mount_at);
  if (bottle.agent.user) {
    // A uid alone would run with gid 0 (root's group) where the image has no
    // passwd entry for it: its group is then the uid's number, as a user's
    // own group usually is.
    std::string uid_gid = *bottle.agent.user;
    if (uid_gid.find(':') == std::string::npos) uid_gid += ":" + uid_gid;
    // Tagged as a string: docker-compose reads YAML 1.1, where 1000:59 would
    // be a base-60 number.
    YAML::Node user(uid_gid);
    user.SetTag("tag:yaml.org,2002:str");
    a["user"] = user;
  }
  const std::string proxy = "http://pipelock:" + std::to_string(in_bundle::kPipelockPort);
  for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
    a["environment"].push_back(std::string(name) + "=" + proxy);
  }
  const std::string no_proxy = "localhost,127.0.0.1,pipelock,egress,git-gate,supervise";
  a["environment"].push_back("NO_PROXY=" + no_proxy);
  a["environment"].push_back("no_proxy=" + no_proxy);
  a["environment"].push_back(std::string("GIT_CONFIG_GLOBAL=") + in_bundle::kAgentDir +
                             "/gitconfig");
  a["environment"].push_back(std::string("BOTTLE_CA_DIR=") + in_bundle::kAgentDir);
  if (bottle.supervise) {
    a["environment"].push_back(
        "BOTTLE_MCP_URL=http://supervise:" + std::to_string(in_bundle::kSupervisePort) + "/mcp");
  }
  for (const auto& [name, value] : bottle.agent.env) {
    a["environment"].push_back(name + "=" + literal(value));
  }
  a["volumes"].push_back(literal(bottle.agent.workdir.string()) + ":" +
                         literal(bottle.agent.mount_at));
  a["volumes"].push_back(literal(paths.agent_dir().string()) + ":" + in_bundle::kAgentDir + ":ro");
  a["networks"].push_back(paths.internal_network());
  // No IPv6 at all in the agent: its network carries no IPv6 route, and with
  // IPv6 up the agent would hold a link-local address from which the host's
  // bridge (fe80::) is one hop away. Said explicitly, not left to Docker's
  // default, so that no change of that default can open it.
  a["sysctls"]["net.ipv6.conf.all.disable_ipv6"] = 1;
  a["sysctls"]["net.ipv6.conf.default.disable_ipv6"] = 1;
  // A fork bomb or a runaway build stops at the bottle's walls.
  const AgentLimits& limits = bottle.agent.limits;
  a["pids_limit"] = limits.pids;
  a["mem_limit"] = limits.memory;
  a["memswap_limit"] = limits.memory;  // no swap beyond the memory limit
  a["cpus"] = limits.cpus;
  a["depends_on"]["sidecars"]["condition"] = "service_healthy";
  harden(a);
  return a;
}

}  // namespace

std::vector<std::string> daemons_for(const BottleSpec& bottle) {
  std::vector<std::string> out = {"pipelock", "egress"};
  if (!bottle.git.empty()) out.push_back("git-gate");
  if (bottle.supervise) out.push_back("supervise");
  return out;
}

std::string render_compose_file(const BottleSpec& bottle, const BottlePaths& paths,
                                const std::string& sidecars_address) {
  YAML::Node root;
  root["services"]["sidecars"] = sidecars_service(bottle, paths, sidecars_address);
  root["services"]["agent"] = agent_service(bottle, paths);
  root["networks"][paths.internal_network()]["external"] = true;
  root["networks"][paths.egress_network()]["external"] = true;
  std::string text =
      emit_yaml(root, "bottle '" + bottle.name + "' (project " + paths.project() + ")");
  // Quoted by hand: yaml-cpp would write a bare 2.4, a number, which v1 refuses.
  return text.insert(text.find('\n') + 1, "version: \"2.4\"\n");
}

}  // namespace host_tools
