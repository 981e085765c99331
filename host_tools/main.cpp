// bottle: the operator's host tool. Turns a manifest into a running compose
// project per bottle and changes a running bottle's allowlist and routes.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "bottle/config/config_error.hpp"
#include "bottle/config/route.hpp"
#include "bottle_paths.hpp"
#include "bottle_start.hpp"
#include "bottle_teardown.hpp"
#include "config_change.hpp"
#include "dashboard_app.hpp"
#include "docker_cli.hpp"
#include "inspect_commands.hpp"
#include "live_change_commands.hpp"
#include "proposal_commands.hpp"

#ifndef BOTTLE_SOURCE_DIR
#define BOTTLE_SOURCE_DIR "."
#endif

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadInput = 2;

// The one piece of state a signal handler may touch: `bottle start` checks it
// between steps and undoes what it did.
volatile std::sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("BOTTLE_SOURCE_DIR"); dir && *dir) return dir;
  return BOTTLE_SOURCE_DIR;
}

// A route given as flags, checked by the same parser as routes in files.
bottle::config::Route route_from_flags(const std::map<std::string, std::string>& flags) {
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& [key, value] : flags) {
    if (!value.empty()) node[key] = value;
  }
  return bottle::config::parse_route(bottle::config::YamlContext("command line"), node,
                                     bottle::config::UnknownKeys::kRefuse);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace host_tools;
  CLI::App app{"bottle: run AI coding agents in bottles, and change what they may reach"};
  app.require_subcommand(1);
  std::string state_root_flag;
  app.add_option("--state-dir", state_root_flag,
                 "where bottles keep their state (default: $BOTTLE_STATE_DIR, else "
                 "$XDG_STATE_HOME/claude-bottle, else ~/.local/state/claude-bottle)");

  StartOptions start;
  auto* start_cmd = app.add_subcommand("start", "start a bottle from a manifest and attach to it");
  start_cmd->add_option("MANIFEST", start.manifest, "the manifest file")->required();
  start_cmd->add_option("BOTTLE", start.bottle, "which bottle (default: the only one)");
  start_cmd->add_flag("--rebuild", start.rebuild, "rebuild the images even when present");
  start_cmd->add_flag("--detach", start.detach, "leave the bottle running, do not attach");

  std::string bottle_name;
  auto* stop_cmd = app.add_subcommand("stop", "save the logs and take a bottle down");
  stop_cmd->add_option("BOTTLE", bottle_name)->required();
  app.add_subcommand("ls", "list bottles and their state");
  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "each daemon's state in the bundle");
  status_cmd->add_option("BOTTLE", bottle_name)->required();
  status_cmd->add_flag("--json", status_json, "the supervisor's JSON answer");
  std::string daemon;
  bool follow = false;
  auto* logs_cmd = app.add_subcommand("logs", "the bottle's logs, or one daemon's lines");
  logs_cmd->add_option("BOTTLE", bottle_name)->required();
  logs_cmd->add_option("DAEMON", daemon)
      ->check(CLI::IsMember({"pipelock", "egress", "git-gate", "supervise"}));
  logs_cmd->add_flag("-f,--follow", follow, "keep printing new lines");

  // pipelock and routes verbs.
  std::vector<std::string> hosts;
  std::string input_file;
  auto* pipelock = app.add_subcommand("pipelock", "show or change a bottle's allowlist");
  pipelock->require_subcommand(1);
  auto add_bottle = [&](CLI::App* c) { c->add_option("BOTTLE", bottle_name)->required(); };
  auto* p_show = pipelock->add_subcommand("show", "print the live allowlist, one host per line");
  auto* p_set =
      pipelock->add_subcommand("set", "replace the allowlist with hosts from FILE or stdin");
  auto* p_add = pipelock->add_subcommand("add", "allow more hosts");
  auto* p_remove = pipelock->add_subcommand("remove", "stop allowing hosts");
  auto* p_edit = pipelock->add_subcommand("edit", "edit the allowlist in $EDITOR");
  for (auto* c : {p_show, p_set, p_add, p_remove, p_edit}) add_bottle(c);
  p_set->add_option("FILE", input_file, "hosts one per line ('-' or nothing: stdin)");
  for (auto* c : {p_add, p_remove}) c->add_option("HOST", hosts)->required();

  std::map<std::string, std::string> route_flags = {
      {"host", ""},  {"path_prefix", ""}, {"upstream", ""}, {"header", ""},
      {"value", ""}, {"token_env", ""},   {"methods", ""}};
  auto* routes = app.add_subcommand("routes", "show or change a bottle's egress routes");
  routes->require_subcommand(1);
  auto* r_show = routes->add_subcommand("show", "print the live routes as YAML");
  auto* r_set =
      routes->add_subcommand("set", "replace the routes with a YAML list from FILE or stdin");
  auto* r_add = routes->add_subcommand("add", "add a route");
  auto* r_remove = routes->add_subcommand("remove", "remove the routes of a host");
  auto* r_edit = routes->add_subcommand("edit", "edit the routes in $EDITOR");
  for (auto* c : {r_show, r_set, r_add, r_remove, r_edit}) add_bottle(c);
  r_set->add_option("FILE", input_file, "a YAML list of routes ('-' or nothing: stdin)");
  r_add->add_option("--host", route_flags["host"], "requests for this host")->required();
  r_add->add_option("--path-prefix", route_flags["path_prefix"],
                    "only under this path (default /)");
  r_add->add_option("--upstream", route_flags["upstream"], "https://host[:port][/path]")
      ->required();
  r_add->add_option("--header", route_flags["header"], "header carrying the token (Authorization)");
  r_add->add_option("--value", route_flags["value"], "header value, with {token} (Bearer {token})");
  r_add->add_option("--token-env", route_flags["token_env"], "host variable holding the token")
      ->required();
  r_add->add_option("--methods", route_flags["methods"],
                    "methods the route forwards, comma-separated (default GET,HEAD,POST,PUT,"
                    "PATCH,DELETE,OPTIONS; GET,HEAD makes it read-only)");
  std::string remove_host;
  std::string remove_prefix;
  r_remove->add_option("HOST", remove_host)->required();
  r_remove->add_option("--path-prefix", remove_prefix, "only the route under this prefix");

  std::string proposal_id;
  std::string comment;
  bool read_only = false;
  auto* dashboard_cmd = app.add_subcommand(
      "dashboard", "watch every bottle live; approve or reject the agent's proposals");
  dashboard_cmd->add_flag("--read-only", read_only,
                          "watch only: no approving, rejecting or allowing");
  auto* proposals =
      app.add_subcommand("proposals", "list and decide the changes the agent proposed");
  proposals->require_subcommand(1);
  auto* pr_list = proposals->add_subcommand("list", "every proposal of a bottle, with its state");
  auto* pr_show = proposals->add_subcommand("show", "one proposal: the change and the reason");
  auto* pr_approve =
      proposals->add_subcommand("approve", "apply a proposed change, as `bottle pipelock` would");
  auto* pr_reject = proposals->add_subcommand("reject", "refuse a proposal, telling the agent why");
  for (auto* c : {pr_list, pr_show, pr_approve, pr_reject}) add_bottle(c);
  for (auto* c : {pr_show, pr_approve, pr_reject}) c->add_option("ID", proposal_id)->required();
  pr_approve->add_option("-m,--comment", comment, "a note for the agent");
  bool edit_first = false;
  pr_approve->add_flag("--edit", edit_first,
                       "edit the change in $EDITOR first; the proposal keeps both");
  pr_reject->add_option("-m,--comment", comment, "why, for the agent")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a "parse error" that exits 0; every real one is bad input.
    return app.exit(e) == 0 ? kOk : kBadInput;
  }

  try {
    const std::filesystem::path state_root =
        state_root_flag.empty() ? default_state_root() : std::filesystem::path(state_root_flag);
    const DockerCli docker;
    if (start_cmd->parsed()) {
      install_interrupt_handlers();
      start.state_root = state_root;
      start.source_dir = source_dir();
      start.interrupted = &g_interrupted;
      return start_bottle(start, std::cout, std::cerr);
    }
    if (stop_cmd->parsed()) {
      if (!stop_bottle(BottlePaths(state_root, bottle_name), docker, std::cout)) {
        std::cout << "bottle " << bottle_name << ": no such bottle under " << state_root.string()
                  << "; nothing to stop\n";
      }
      return kOk;
    }
    if (dashboard_cmd->parsed()) {
      if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        std::cerr << "bottle dashboard: needs a terminal (use `bottle ls`, `bottle status` and "
                     "`bottle proposals` in scripts)\n";
        return kBadInput;
      }
      DashboardOptions options;
      options.state_root = state_root;
      options.read_only = read_only;
      return run_dashboard(options, docker);
    }
    if (app.got_subcommand("ls")) {
      list_bottles(state_root, docker, std::cout);
      return kOk;
    }
    const BottlePaths paths = known_bottle(state_root, bottle_name);
    if (status_cmd->parsed()) return show_status(paths, docker, status_json) == 0 ? kOk : kFailed;
    if (logs_cmd->parsed()) return show_logs(paths, daemon, follow, std::cout) == 0 ? kOk : kFailed;
    if (p_show->parsed()) pipelock_show(paths, std::cout);
    if (p_set->parsed()) pipelock_set(paths, input_file, docker, std::cout);
    if (p_add->parsed()) pipelock_add(paths, hosts, docker, std::cout);
    if (p_remove->parsed()) pipelock_remove(paths, hosts, docker, std::cout);
    if (p_edit->parsed()) pipelock_edit(paths, docker, std::cout);
    if (r_show->parsed()) routes_show(paths, std::cout);
    if (r_set->parsed()) routes_set(paths, input_file, docker, std::cout);
    if (r_add->parsed()) routes_add(paths, route_from_flags(route_flags), docker, std::cout);
    if (r_remove->parsed()) {
      std::optional<std::string> prefix;
      if (!remove_prefix.empty()) prefix = remove_prefix;
      routes_remove(paths, remove_host, prefix, docker, std::cout);
    }
    if (r_edit->parsed()) routes_edit(paths, docker, std::cout);
    if (pr_list->parsed()) proposals_list(paths, std::cout);
    if (pr_show->parsed()) proposals_show(paths, proposal_id, std::cout);
    if (pr_approve->parsed()) {
      if (edit_first) {
        // What is approved is what the editor showed: a proposal file
        // rewritten while it was open is refused.
        const auto e = edit_proposed_change(paths, proposal_id);
        proposals_approve(paths, proposal_id, comment, docker, std::cout, &e.shown,
                          e.edited ? &*e.edited : nullptr);
      } else {
        proposals_approve(paths, proposal_id, comment, docker, std::cout);
      }
    }
    if (pr_reject->parsed()) proposals_reject(paths, proposal_id, comment, std::cout);
    return kOk;
  } catch (const bottle::config::ConfigError& e) {
    std::cerr << "bottle: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "bottle: " << e.what() << "\n";
    return kFailed;
  }
}
