#include "bottle_start.hpp"

#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/subprocess.hpp"
#include "bottle/utc_time.hpp"
#include "bottle_metadata.hpp"
#include "bottle_networks.hpp"
#include "bottle_paths.hpp"
#include "bottle_teardown.hpp"
#include "ca_minter.hpp"
#include "compose_file.hpp"
#include "docker_cli.hpp"
#include "manifest.hpp"
#include "pipelock_document.hpp"
#include "routes_document.hpp"
#include "sidecar_configs.hpp"
#include "undo_stack.hpp"

namespace host_tools {

namespace fs = std::filesystem;
using bottle::config::ConfigError;

namespace {

// The command that stops this bottle, naming the state folder when it is not
// the default one (else `bottle stop` would look in the wrong place).
std::string stop_command(const std::string& name, const std::filesystem::path& state_root) {
  if (state_root.empty() || std::filesystem::weakly_canonical(state_root) ==
                                std::filesystem::weakly_canonical(default_state_root())) {
    return "bottle stop " + name;
  }
  return "bottle --state-dir " + state_root.string() + " stop " + name;
}

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted; undoing what was done") {}
};

void check_interrupt(const StartOptions& o) {
  if (o.interrupted && *o.interrupted) throw Interrupted();
}

// pipelock runs as the bundle's unprivileged user (uid and gid 990, fixed in
// images/Dockerfile.sidecars) and intercepts with the CA's key, which the
// minter writes 0600 as the operator: the key goes to group 990, mode 0640,
// the widest pipelock accepts. No one else on the host reaches it (the state
// folder is 0700); inside the bundle only the sidecars mount it, never the
// agent. Only root (or a member of group 990) can give a file to that group.
void share_key_with_bundle(const fs::path& key) {
  if (::chown(key.c_str(), static_cast<uid_t>(-1), in_bundle::kDaemonUid) != 0 ||
      ::chmod(key.c_str(), 0640) != 0) {
    throw std::runtime_error(
        "tls_interception: cannot give " + key.string() + " to group " +
        std::to_string(in_bundle::kDaemonUid) +
        " (the bundle's daemons), which pipelock needs to read it: " + std::strerror(errno) +
        "; run bottle as root or as a member of group " + std::to_string(in_bundle::kDaemonUid));
  }
}

// Folders the bundle's unprivileged user reads through a mount (0755); the
// 0700 state folder above them keeps everyone else on the host out.
constexpr fs::perms kBundleReadable = fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec;

void make_dir(const fs::path& dir, fs::perms perms) {
  fs::create_directories(dir);
  fs::permissions(dir, perms, fs::perm_options::replace);
}

// Everything the start needs from the host, checked before anything is created.
bottle::ExtraEnv token_values(const BottleSpec& b, const fs::path& manifest) {
  bottle::ExtraEnv env;
  for (const auto& name : b.token_variables()) {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) {
      throw ConfigError(manifest.string() + ": bottle '" + b.name +
                        "': a route takes its token from $" + name +
                        ", which is not set in this environment");
    }
    env[bottle::config::token_variable_in_bundle(name)] = value;
    // The agent holds placeholders; a token copied into its environment
    // would undo everything egress is for. (A short test token is compared
    // whole, or every value holding its letters would be refused.)
    const std::string token = value;
    for (const auto& [key, plain] : b.agent.env) {
      if (token.size() >= 8 ? plain.find(token) != std::string::npos : plain == token) {
        throw ConfigError(manifest.string() + ": bottle '" + b.name + "': key 'agent.env." + key +
                          "' holds the value of $" + name +
                          ", the token egress injects: give the agent a placeholder instead");
      }
    }
  }
  return env;
}

void check_host_files(const BottleSpec& b, const fs::path& manifest) {
  auto need = [&](const fs::path& p, const std::string& key, bool dir) {
    std::error_code ec;
    const bool ok = dir ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
    if (!ok || ::access(p.c_str(), R_OK) != 0) {
      throw ConfigError(manifest.string() + ": bottle '" + b.name + "': key '" + key +
                        "': " + p.string() +
                        (dir ? " is not a readable folder" : " is not a readable file"));
    }
  };
  need(b.agent.workdir, "agent.workdir", true);
  if (b.agent.dockerfile) need(*b.agent.dockerfile, "agent.dockerfile", false);
  for (const auto& g : b.git) {
    need(g.ssh_key, "git.ssh_key", false);
    need(g.known_hosts, "git.known_hosts", false);
  }
  for (const auto& f : b.egress_ca_files) need(f, "egress_ca_files", false);
  if (b.git_rules) need(*b.git_rules, "git_rules", false);
}

// The operator's gitleaks config is read here as git-gate will read it, so
// that a mistake is named (file, line, key) before anything starts, not in
// a crash-looping git-gate. One file is copied into the bundle: a config
// extending another by path would find nothing there. Returns the text
// checked, which is what the bundle gets (the file is read once).
std::optional<std::string> checked_git_rules(const BottleSpec& b, const StartOptions& o) {
  if (!b.git_rules) return std::nullopt;
  const std::string file = b.git_rules->string();
  const std::string text = bottle::config::read_file(*b.git_rules);
  // Before the whole read, which would follow the path on this host.
  try {
    if (toml::parse(text, file)["extend"]["path"]) {
      throw ConfigError(file +
                        ": key 'extend.path': a bottle's git_rules is one self-contained "
                        "file (useDefault = true extends the shipped rules): merge the "
                        "file it names into this one");
    }
  } catch (const toml::parse_error&) {
    // Not TOML: the read below says where, as git-gate would.
  }
  const fs::path shipped = o.source_dir / "common" / "secrets" / "rules.toml";
  bottle::secrets::parse_gitleaks_config(
      text, file, bottle::secrets::LoadOptions{fs::exists(shipped) ? shipped.string() : ""});
  return text;
}

void build_images(const BottleSpec& b, const StartOptions& o, const DockerCli& docker,
                  std::ostream& out) {
  if (o.rebuild || !docker.image_exists(kSidecarsImage)) {
    const fs::path dockerfile = o.source_dir / "images" / "Dockerfile.sidecars";
    if (!fs::exists(dockerfile)) {
      throw std::runtime_error(dockerfile.string() +
                               " not found: pass --source-dir (or BOTTLE_SOURCE_DIR) naming the "
                               "project's source tree");
    }
    out << "bottle " << b.name << ": building " << kSidecarsImage << "\n";
    if (bottle::run_attached({"docker", "build", "--file", dockerfile.string(), "--tag",
                              kSidecarsImage, o.source_dir.string()}) != 0) {
      throw std::runtime_error("building " + std::string(kSidecarsImage) + " failed");
    }
  }
  check_interrupt(o);
  if (b.agent.dockerfile && (o.rebuild || !docker.image_exists(b.agent.image))) {
    out << "bottle " << b.name << ": building " << b.agent.image << "\n";
    if (bottle::run_attached({"docker", "build", "--file", b.agent.dockerfile->string(), "--tag",
                              b.agent.image, b.agent.build_context.string()}) != 0) {
      throw std::runtime_error("building " + b.agent.image + " failed");
    }
  }
}

void render_state(const BottleSpec& b, const BottlePaths& paths,
                  const std::string& sidecars_address,
                  const std::optional<std::string>& git_rules) {
  using bottle::config::write_file_atomically;
  write_file_atomically(paths.pipelock_config(),
                        render_pipelock_config(b.allowlist, sidecars_address, b.tls_interception),
                        0644);
  write_file_atomically(paths.routes_config(), render_routes_config(b.routes), 0644);
  write_file_atomically(paths.git_gate_dir() / "git-gate.yaml", render_git_gate_config(b), 0644);
  write_file_atomically(paths.supervise_dir() / "supervise.yaml", render_supervise_config(b), 0644);
  write_file_atomically(paths.agent_dir() / "gitconfig", render_agent_gitconfig(b), 0644);
  // The agent trusts the CAs, and never sees their keys.
  const std::string pipelock_ca = bottle::config::read_file(paths.pipelock_dir() / "ca.pem");
  write_file_atomically(paths.agent_dir() / "pipelock-ca.pem", pipelock_ca, 0644);
  write_file_atomically(paths.agent_dir() / "egress-ca.pem",
                        bottle::config::read_file(paths.egress_dir() / "ca.pem"), 0644);
  // egress trusts, besides the system's CAs: pipelock's (its interception will
  // re-sign egress's upstream TLS) and the operator's own for private upstreams.
  std::string upstream_cas = pipelock_ca;
  for (const auto& f : b.egress_ca_files) {
    upstream_cas += "\n" + bottle::config::read_file(f);
  }
  write_file_atomically(paths.upstream_ca_file(), upstream_cas, 0644);
  // git-gate runs as the image's unprivileged user, which cannot read the
  // operator's 0600 key through a bind mount; a copy readable inside the
  // bundle lives in the 0700 state folder (no one else on the host can reach
  // it) and is deleted at teardown, as the CA keys are.
  if (git_rules) write_file_atomically(paths.git_gate_dir() / kGitRulesFile, *git_rules, 0644);
  for (const auto& g : b.git) {
    const fs::path dir = paths.git_key_dir(g.name);
    make_dir(dir, kBundleReadable);
    write_file_atomically(dir / "ssh_key", bottle::config::read_file(g.ssh_key), 0644);
    write_file_atomically(dir / "known_hosts", bottle::config::read_file(g.known_hosts), 0644);
  }
  write_file_atomically(paths.compose_file(), render_compose_file(b, paths, sidecars_address),
                        0600);
}

}  // namespace

int start_bottle(const StartOptions& o, std::ostream& out, std::ostream& err) {
  const Manifest manifest = parse_manifest(o.manifest);
  const BottleSpec& b = manifest.select(o.bottle);
  const BottlePaths paths(o.state_root, b.name);
  const DockerCli docker;
  const bottle::ExtraEnv tokens = token_values(b, o.manifest);
  check_host_files(b, o.manifest);
  const std::optional<std::string> git_rules = checked_git_rules(b, o);

  if (auto previous = read_metadata(paths.metadata_file())) {
    if (docker.container_running(paths.sidecars_container())) {
      throw std::runtime_error("bottle " + b.name + " is running; `" +
                               stop_command(b.name, o.state_root) + "` first");
    }
    // What a crashed or killed earlier run left behind goes first.
    save_logs_and_take_down(paths, *previous, err);
  }
  remove_networks(paths, docker, err);

  BottleMetadata meta;
  meta.bottle = b.name;
  meta.manifest = fs::absolute(o.manifest).string();
  meta.project = paths.project();
  meta.compose = docker.detect_compose();
  meta.compose_file = paths.compose_file().string();
  meta.agent_container = paths.agent_container();
  meta.sidecars_container = paths.sidecars_container();
  meta.internal_network = paths.internal_network();
  meta.egress_network = paths.egress_network();
  meta.token_variables = b.token_variables();
  meta.agent_command = b.agent.command;
  meta.started_at = bottle::utc_timestamp();
  meta.state = "starting";

  UndoStack undo(err);
  // 1. Images.
  build_images(b, o, docker, out);
  check_interrupt(o);

  // 2. Networks: the agent's internal one, with no way out and no address of
  // the host, and the sidecars' way out, on subnets from the pool.
  undo.push("create networks", [&] { remove_networks(paths, docker, err); });
  const BottleNetworks networks = create_bottle_networks(b, paths, docker, err);
  meta.internal_subnet = networks.internal_subnet;
  meta.egress_subnet = networks.egress_subnet;
  meta.sidecars_address = networks.sidecars_address;
  check_interrupt(o);

  // 3. The state folder (only the operator may enter) and the per-bottle CAs.
  make_dir(paths.dir(), fs::perms::owner_all);
  for (const auto& dir : {paths.pipelock_dir(), paths.egress_dir(), paths.git_gate_dir(),
                          paths.supervise_dir(), paths.agent_dir()}) {
    make_dir(dir, kBundleReadable);
  }
  // supervise writes proposals as the image's unprivileged user, whose uid is
  // not the operator's: anyone may create here (only the operator can reach
  // the 0700 state folder on the host), and the sticky bit keeps supervise
  // from replacing a file the operator wrote, such as a decision.
  make_dir(paths.proposals_dir(), fs::perms::all | fs::perms::sticky_bit);
  undo.push("mint CAs", [&] { remove_private_keys(paths); });
  const MintedCa pipelock_ca =
      mint_ca(paths.pipelock_dir(), "claude-bottle " + b.name + " pipelock CA");
  if (b.tls_interception.enabled) share_key_with_bundle(pipelock_ca.key);
  mint_ca(paths.egress_dir(), "claude-bottle " + b.name + " egress CA");

  // 4 and 5. Configs, the compose file, the metadata.
  render_state(b, paths, meta.sidecars_address, git_rules);
  write_metadata(paths.metadata_file(), meta);
  undo.push("record the bottle", [&] { mark_state(paths, "stopped"); });
  check_interrupt(o);

  // 6. Up, with the token values in compose's environment only.
  undo.push("compose up", [&] { save_logs_and_take_down(paths, meta, err); });
  std::vector<std::string> up = meta.compose;
  up.insert(up.end(),
            {"--project-name", meta.project, "--file", meta.compose_file, "up", "--detach"});
  out << "bottle " << b.name << ": starting project " << meta.project << "\n";
  if (bottle::run_attached(up, tokens) != 0)
    throw std::runtime_error("`" + bottle::printable(up) + "` failed");
  check_interrupt(o);
  meta.state = "running";
  write_metadata(paths.metadata_file(), meta);

  // 7. Attach, or leave it running.
  if (o.detach) {
    undo.release();
    out << "bottle " << b.name << ": running. Attach with `docker exec -it "
        << paths.agent_container() << " " << bottle::printable(b.agent.command) << "`, stop with `"
        << stop_command(b.name, o.state_root) << "`\n";
    return 0;
  }
  std::vector<std::string> exec = {"docker", "exec", "--interactive"};
  if (::isatty(STDIN_FILENO)) exec.push_back("--tty");
  exec.push_back(paths.agent_container());
  exec.insert(exec.end(), b.agent.command.begin(), b.agent.command.end());
  const int code = bottle::run_attached(exec);
  out << "bottle " << b.name << ": session ended (exit " << code << "); taking the bottle down\n";
  undo.unwind();
  out << "bottle " << b.name << ": stopped\n";
  return code;
}

}  // namespace host_tools
