#include "bottle_harness.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace bottle_e2e {

namespace fs = std::filesystem;

namespace {

std::string random_hex(int bytes) {
  std::random_device rd;
  std::ostringstream out;
  for (int i = 0; i < bytes; ++i) out << std::hex << ((rd() & 0xf0) >> 4) << (rd() & 0xf);
  return out.str();
}

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

CommandResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& extra_env) {
  auto [code, output] = bottle_test::run(argv, extra_env);
  return {code, output};
}

LogWatch::LogWatch(const std::string& container) {
  // --since a moment just before now: docker may attach to the log after a
  // line the test then waits for was written; the second of slack only adds
  // earlier lines, and callers look for lines that name what they caused.
  const auto now = std::chrono::system_clock::now() - 1s;
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  char since[64];
  std::snprintf(since, sizeof since, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  follower_ = std::make_unique<bottle_test::Process>(
      std::vector<std::string>{"docker", "logs", "--follow", "--since", since, container});
}

std::optional<std::string> LogWatch::line_with(const std::string& text,
                                               std::chrono::milliseconds deadline) {
  // The supervisor's own lines go to stderr, the daemons' to stdout or
  // stderr as they wrote them: docker logs keeps the two streams apart.
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (auto line = follower_->stderr_line(50ms); line && line->find(text) != std::string::npos) {
      return line;
    }
    if (auto line = follower_->stdout_line(50ms); line && line->find(text) != std::string::npos) {
      return line;
    }
  }
  return std::nullopt;
}

Bottle::Bottle(std::string name, int subnet_octet, const std::string& agent_yaml,
               const std::string& bottle_yaml)
    : name_(std::move(name)),
      token_("e2e-token-" + random_hex(16)),
      scratch_(bottle_test::scratch_dir("e2e-" + name_)),
      state_root_(scratch_ / "state") {
  prepare(subnet_octet, agent_yaml, bottle_yaml, nullptr);
}

Bottle::Bottle(std::string name, int subnet_octet, const FromExample& example)
    : name_(std::move(name)),
      token_("e2e-token-" + random_hex(16)),
      scratch_(bottle_test::scratch_dir("e2e-" + name_)),
      state_root_(scratch_ / "state"),
      host_env_(example.host_env),
      standin_(true) {
  prepare(subnet_octet, "", "", &example);
}

void Bottle::prepare(int subnet_octet, const std::string& agent_yaml,
                     const std::string& bottle_yaml, const FromExample* example) {
  // What an earlier, killed run of the same test may have left.
  run({"docker", "rm", "--force", upstream_container(), standin_container()});
  run({BOTTLE_BIN, "--state-dir", state_root_.string(), "stop", name_});
  volumes_before_ = trimmed(run({"docker", "volume", "ls", "--quiet"}).output);
  fs::create_directories(scratch_ / "work");
  write_keys_and_certificates();
  if (example) {
    write_manifest_from(subnet_octet, *example);
  } else {
    write_manifest(subnet_octet, agent_yaml, bottle_yaml);
  }
  const CommandResult start =
      bottle({"start", (scratch_ / "bottles.yaml").string(), name_, "--detach"});
  if (start.code != 0) {
    throw std::runtime_error("bottle start " + name_ + " failed: " + start.output);
  }
  start_upstream();
  if (standin_) start_standin();
}

Bottle::~Bottle() {
  if (!stopped_) {
    try {
      stop_and_list_leftovers();
    } catch (...) {
      // A destructor must not throw; the test has already failed.
    }
  }
}

void Bottle::write_keys_and_certificates() {
  bottle_test::must({std::string(SOURCE_DIR) + "/tests/docker/upstream/make-credentials",
                     scratch_.string(), kGitHost, kApiHost, kOtherHost, kBlockedHost,
                     kAnthropicHost});
  // The agent trusts the upstream's CA through its work folder.
  fs::copy_file(scratch_ / "certs" / "ca.pem", scratch_ / "work" / "upstream-ca.pem");
}

void Bottle::write_manifest(int subnet_octet, const std::string& agent_yaml,
                            const std::string& bottle_yaml) {
  const std::string s = scratch_.string();
  std::ostringstream m;
  m << "bottles:\n"
    << "  " << name_ << ":\n"
    << "    agent:\n"
    << "      image: claude-bottle-agent:latest\n"
    << "      workdir: " << s << "/work\n"
    << agent_yaml << "    allowlist: [" << kApiHost << "]\n"
    << "    routes:\n"
    << "      - host: " << kApiHost << "\n"
    << "        upstream: https://" << kApiHost << "\n"
    << "        token_env: E2E_TOKEN\n"
    << "    git:\n"
    << "      - name: project\n"
    << "        upstream: git@" << kGitHost << ":project.git\n"
    << "        ssh_key: " << s << "/keys/id_ed25519\n"
    << "        known_hosts: " << s << "/keys/known_hosts\n"
    << "    egress_subnet: 198.18." << subnet_octet << ".0/24\n"
    << "    egress_ca_files: [" << s << "/certs/ca.pem]\n"
    << bottle_yaml;
  write_text(scratch_ / "bottles.yaml", m.str());
}

void Bottle::write_manifest_from(int subnet_octet, const FromExample& example) {
  const fs::path file = fs::path(SOURCE_DIR) / "examples" / example.file;
  std::string text = YAML::Dump(YAML::LoadFile(file.string())["bottles"][example.bottle]);
  for (const auto& [from, to] : example.renames) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  YAML::Node b = YAML::Load(text);
  const std::string s = scratch_.string();
  b["agent"]["workdir"] = s + "/work";
  b["agent"]["user"] = example.user;
  // The agent writes its workdir as the user it runs as, as the operator's
  // own files would be theirs.
  bottle_test::must({"chown", "-R", example.user, s + "/work"});
  YAML::Node git;
  git["name"] = "project";
  git["upstream"] = std::string("git@") + kGitHost + ":project.git";
  git["ssh_key"] = s + "/keys/id_ed25519";
  git["known_hosts"] = s + "/keys/known_hosts";
  b["git"].push_back(git);
  b["egress_subnet"] = "198.18." + std::to_string(subnet_octet) + ".0/24";
  b["egress_ca_files"].push_back(s + "/certs/ca.pem");
  YAML::Node root;
  root["bottles"][name_] = b;
  write_text(scratch_ / "bottles.yaml", YAML::Dump(root) + "\n");
}

void Bottle::start_standin() {
  bottle_test::must({"docker",
                     "run",
                     "--detach",
                     "--name",
                     standin_container(),
                     "--label",
                     "claude-bottle-e2e=" + name_,
                     "--network",
                     "claude-bottle-" + name_ + "-egress",
                     "--network-alias",
                     kAnthropicHost,
                     "--volume",
                     (scratch_ / "certs").string() + ":/certs:ro",
                     "--entrypoint",
                     "python3",
                     "claude-bottle-test-upstream:latest",
                     "/usr/local/bin/anthropic_standin.py",
                     "--port",
                     "0",
                     "--tls-port",
                     "443",
                     "--cert",
                     "/certs/server.pem",
                     "--key",
                     "/certs/server.key",
                     "--control-bind",
                     "127.0.0.1",
                     "--control-port",
                     "8081"});
  LogWatch log(standin_container());
  if (!log.line_with("anthropic-standin: api", 30s)) {
    throw std::runtime_error("the Anthropic stand-in did not start: " +
                             run({"docker", "logs", standin_container()}).output);
  }
}

CommandResult Bottle::standin(const std::string& method, const std::string& path,
                              const std::string& body) const {
  std::vector<std::string> argv = {"docker",          "exec", standin_container(),
                                   "standin-control", method, path};
  if (!body.empty()) argv.push_back(body);
  return run(argv);
}

void Bottle::start_upstream() {
  bottle_test::must({"docker",
                     "run",
                     "--detach",
                     "--name",
                     upstream_container(),
                     "--label",
                     "claude-bottle-e2e=" + name_,
                     "--network",
                     "claude-bottle-" + name_ + "-egress",
                     "--network-alias",
                     kApiHost,
                     "--network-alias",
                     kOtherHost,
                     "--network-alias",
                     kBlockedHost,
                     "--network-alias",
                     kGitHost,
                     "--volume",
                     (scratch_ / "certs").string() + ":/certs:ro",
                     "--volume",
                     (scratch_ / "keys").string() + ":/keys:ro",
                     "claude-bottle-test-upstream:latest"});
  LogWatch log(upstream_container());
  if (!log.line_with("upstream: serving", 30s)) {
    throw std::runtime_error("the test upstream did not start: " +
                             run({"docker", "logs", upstream_container()}).output);
  }
}

CommandResult Bottle::bottle(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {BOTTLE_BIN, "--state-dir", state_root_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = host_env_;
  env.insert({{"E2E_TOKEN", token_},
              {"BOTTLE_SOURCE_DIR", SOURCE_DIR},
              {"BOTTLE_SUBNET_POOL", kTestSubnetPool}});
  return run(argv, env);
}

CommandResult Bottle::agent(const std::string& script) const {
  return run({"docker", "exec", agent_container(), "sh", "-c", script});
}

CommandResult Bottle::sidecars(const std::string& script) const {
  return run({"docker", "exec", sidecars_container(), "sh", "-c", script});
}

CommandResult Bottle::upstream(const std::string& script) const {
  return run({"docker", "exec", upstream_container(), "sh", "-c", script});
}

std::unique_ptr<bottle_test::Process> Bottle::agent_background(const std::string& script) const {
  return std::make_unique<bottle_test::Process>(
      std::vector<std::string>{"docker", "exec", agent_container(), "sh", "-c", script});
}

nlohmann::json Bottle::status() const {
  // Exit 1 names daemons that are not running (on stderr, left out here); the
  // JSON is the answer either way.
  const CommandResult r = run(
      {"docker", "exec", sidecars_container(), "sh", "-c", "sidecarctl status --json 2>/dev/null"});
  if (r.code != 0 && r.code != 1) throw std::runtime_error("sidecarctl status: " + r.output);
  return nlohmann::json::parse(r.output);
}

int Bottle::daemon_pid(const std::string& daemon) const {
  const nlohmann::json s = status();  // kept: a range-for over a temporary's member dangles
  for (const auto& d : s["daemons"]) {
    if (d["name"] == daemon) return d["pid"].is_number() ? d["pid"].get<int>() : 0;
  }
  throw std::runtime_error("no daemon " + daemon + " in the status");
}

CommandResult Bottle::compose(const std::vector<std::string>& args) const {
  std::ifstream meta_file(state_dir() / "metadata.json");
  const auto meta = nlohmann::json::parse(meta_file);
  std::vector<std::string> argv = meta["compose"].get<std::vector<std::string>>();
  argv.insert(argv.end(),
              {"--project-name", project(), "--file", meta["compose_file"].get<std::string>()});
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::string Bottle::stop_and_list_leftovers() {
  stopped_ = true;
  std::string left;
  const CommandResult rm = run({"docker", "rm", "--force", "--volumes", upstream_container()});
  if (rm.code != 0) left += "docker rm of the upstream failed: " + rm.output + "\n";
  if (standin_) {
    const CommandResult rm_standin =
        run({"docker", "rm", "--force", "--volumes", standin_container()});
    if (rm_standin.code != 0)
      left += "docker rm of the stand-in failed: " + rm_standin.output + "\n";
  }
  const CommandResult stop = bottle({"stop", name_});
  if (stop.code != 0) left += "bottle stop failed: " + stop.output + "\n";
  auto listed = [&](const std::vector<std::string>& argv, const std::string& what) {
    const std::string out = trimmed(run(argv).output);
    if (!out.empty()) left += what + ": " + out + "\n";
  };
  const std::string project_label = "label=com.docker.compose.project=" + project();
  listed({"docker", "ps", "--all", "--quiet", "--filter", project_label}, "containers");
  listed({"docker", "ps", "--all", "--quiet", "--filter", "name=" + upstream_container()},
         "upstream container");
  listed({"docker", "ps", "--all", "--quiet", "--filter", "name=" + standin_container()},
         "stand-in container");
  listed({"docker", "network", "ls", "--quiet", "--filter", "name=claude-bottle-" + name_ + "-"},
         "networks");
  // Anonymous volumes carry no project label: any volume that was not
  // there before the bottle started is one it left (the docker tests run
  // one at a time).
  const std::string volumes = trimmed(run({"docker", "volume", "ls", "--quiet"}).output);
  if (volumes != volumes_before_)
    left += "volumes: before [" + volumes_before_ + "], after [" + volumes + "]\n";
  return left;
}

std::string open_mcp_session(const Bottle& b) {
  const auto init =
      b.agent("curl -sS -D - -o /dev/null -X POST " + kMcp + " " + kMcpHeaders +
              " -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
              "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
              "\"clientInfo\":{\"name\":\"e2e\",\"version\":\"1\"}}}'"
              " | tr -d '\\r' | awk -F': ' 'tolower($1) == \"mcp-session-id\" {print $2}'");
  std::string id = init.output.substr(0, init.output.find('\n'));
  if (id.empty()) throw std::runtime_error("no MCP session: " + init.output);
  const auto ack = b.agent("curl -sS -o /dev/null -w '%{http_code}' -X POST " + kMcp + " " +
                           kMcpHeaders + " -H 'Mcp-Session-Id: " + id +
                           "' -d '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}'");
  if (ack.output != "202") throw std::runtime_error("initialized: " + ack.output);
  return id;
}

std::string call_tool(const Bottle& b, const std::string& session, const std::string& tool) {
  return b
      .agent("curl -sS -X POST " + kMcp + " " + kMcpHeaders + " -H 'Mcp-Session-Id: " + session +
             "' -d '{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
             "\"params\":{\"name\":\"" +
             tool + "\",\"arguments\":{}}}'")
      .output;
}

}  // namespace bottle_e2e
