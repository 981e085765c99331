// git-gate: the agent's git remote. It serves the bottle's repositories with
// git daemon, fetches from each upstream before serving it, and lets a push
// through only when the secret scan finds nothing in anything it carries and
// the upstream takes it. The same executable is git daemon's access hook and
// the repositories' pre-receive hook (subcommands), so the gate is one
// program to audit.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "bottle/config/config_error.hpp"
#include "bottle/daemon_main.hpp"
#include "bottle/secrets/stream_scanner.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "gate_config.hpp"
#include "gate_repositories.hpp"
#include "gate_rules.hpp"
#include "git_daemon.hpp"
#include "pre_receive.hpp"
#include "push_scan.hpp"

namespace {

// How the hooks, run by git, learn what the daemon was started with.
constexpr const char* kConfigVariable = "GIT_GATE_CONFIG";
constexpr const char* kRulesVariable = "GIT_GATE_RULES";
constexpr const char* kDecisionVariable = "GIT_GATE_DECISION_FD";
constexpr const char* kShippedVariable = "GIT_GATE_SHIPPED_RULES";

std::string config_from_environment() {
  const char* path = std::getenv(kConfigVariable);
  return path ? path : "/etc/bottle/git-gate/git-gate.yaml";
}

std::string from_environment(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

void print_findings(const std::vector<bottle::secrets::Finding>& findings) {
  for (const auto& f : findings) {
    std::cout << bottle::text::escape_for_terminal(f.fingerprint()) << "\t" << f.excerpt << "\t"
              << bottle::text::escape_for_terminal(f.source.description) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Replace objects never: every git the gate runs, the hooks' included, sees
  // the history that was pushed, not what a refs/replace/ entry says it is.
  ::setenv("GIT_NO_REPLACE_OBJECTS", "1", 1);

  CLI::App app{"git-gate: the agent's git remote, which lets no secret out"};
  std::string config_path = "/etc/bottle/git-gate/git-gate.yaml";
  std::string rules_flag;
  std::string shipped = GIT_GATE_SHIPPED_RULES;
  bool check_only = false;
  app.add_option("--config", config_path, "git-gate.yaml")->capture_default_str();
  app.add_option("--rules", rules_flag,
                 "gitleaks-format secret rules (default: git-gate.yaml's, else the shipped ones)");
  app.add_option("--shipped-rules", shipped, "the shipped rules ([extend] useDefault = true)")
      ->capture_default_str();
  app.add_flag("--check", check_only, "check the config and the rules, and exit");

  auto* pre_receive = app.add_subcommand("pre-receive", "the repositories' pre-receive hook");
  auto* access = app.add_subcommand("access-hook", "git daemon's access hook");
  std::vector<std::string> access_args;
  access->add_option("args", access_args, "service, path, host, ...")->required();
  auto* scan = app.add_subcommand(
      "scan", "scan what revisions carry (as a push of them is scanned), or standard input");
  std::string scan_repo = ".";
  std::vector<std::string> scan_revs;
  bool scan_stdin = false;
  scan->add_option("--repo", scan_repo, "repository")->capture_default_str();
  scan->add_flag("--stdin", scan_stdin, "scan standard input as one file instead");
  scan->add_option("revisions", scan_revs, "what git rev-list takes (a range, --all)");
  CLI11_PARSE(app, argc, argv);

  auto log = bottle::daemon_logger("git-gate");

  try {
    if (*scan) {
      const git_gate::GateConfig none;
      const auto rules = git_gate::load_gate_rules(none, rules_flag, shipped);
      for (const auto& w : rules.scanner.rules().warnings) log->warn("{}", w);
      if (scan_stdin) {
        bottle::secrets::StreamScanner stream(rules.scanner, {"standard input", "", ""},
                                              rules.workers);
        // read(2) in large pieces: iostreams copied the input 64 KiB at a time.
        std::string buffer(1 << 20, '\0');
        for (;;) {
          const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0)
            throw std::system_error(errno, std::generic_category(), "reading standard input");
          if (n == 0) break;
          stream.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        }
        stream.finish();
        print_findings(stream.findings());
        std::cerr << stream.bytes_scanned() << " bytes scanned with "
                  << rules.scanner.rules().rules.size() << " rules, " << stream.findings().size()
                  << " findings\n";
        return stream.findings().empty() ? 0 : 1;
      }
      if (scan_revs.empty()) {
        log->error("scan: give revisions, or --stdin");
        return 2;
      }
      git_gate::ObjectScan result;
      try {
        result = git_gate::scan_objects(rules, scan_repo, scan_revs);
      } catch (const std::runtime_error& e) {
        // Not 1: that means findings, and a failed scan has not looked.
        log->error("{}", e.what());
        return 2;
      }
      print_findings(result.findings);
      std::cerr << result.objects << " objects, " << result.bytes << " bytes scanned with "
                << rules.scanner.rules().rules.size() << " rules, " << result.findings.size()
                << " findings\n";
      return result.findings.empty() ? 0 : 1;
    }
    if (*pre_receive || *access) {
      // Run by git: the config comes through the environment git daemon was given.
      const auto cfg = git_gate::GateConfig::load(config_from_environment());
      if (*access) {
        // args: service, repository path, hostname, ...
        const std::string& service = access_args.at(0);
        const auto* upstream = git_gate::upstream_of_repository(cfg, access_args.at(1));
        if (!upstream) {
          std::cout << "git-gate: no such repository\n";
          return 1;
        }
        const std::string failed = git_gate::fetch_from_upstream(cfg, *upstream);
        if (!failed.empty()) {
          // Serve what the gate has; the agent's push is checked upstream anyway.
          log->warn("{} of {}: {}", service, upstream->name,
                    bottle::text::escape_for_terminal(failed));
        }
        return 0;
      }
      if (const std::string s = from_environment(kShippedVariable); !s.empty()) shipped = s;
      const auto rules = git_gate::load_gate_rules(cfg, from_environment(kRulesVariable), shipped);
      return git_gate::run_pre_receive(cfg, rules, std::filesystem::current_path().string(),
                                       std::cin, std::cerr);
    }

    const auto cfg = git_gate::GateConfig::load(config_path);
    const auto rules = git_gate::load_gate_rules(cfg, rules_flag, shipped);
    for (const auto& w : rules.scanner.rules().warnings) log->warn("{}", w);
    if (check_only) {
      std::cout << config_path << ": ok, " << cfg.upstreams.size() << " upstreams; " << rules.file
                << ": " << rules.scanner.rules().rules.size() << " rules, " << rules.accepted.size()
                << " accepted findings\n";
      return 0;
    }
    git_gate::prepare_repositories(cfg, std::filesystem::canonical("/proc/self/exe").string());
    for (const auto& u : cfg.upstreams) {
      const std::string failed = git_gate::fetch_from_upstream(cfg, u);
      if (!failed.empty()) log->warn("{}: {}", u.name, bottle::text::escape_for_terminal(failed));
    }
    // The hooks write their decision lines to our stdout, through git daemon
    // and receive-pack, on a copy of it they inherit.
    const int decisions = ::fcntl(STDOUT_FILENO, F_DUPFD, 10);
    if (decisions < 0) log->warn("no descriptor for decision lines: pushes are not logged");
    log->info("serving {} repositories on {}:{} ({} secret rules from {})", cfg.upstreams.size(),
              cfg.listen_host, cfg.listen_port, rules.scanner.rules().rules.size(), rules.file);
    std::map<std::string, std::string> env = {
        {kConfigVariable, std::filesystem::absolute(config_path).string()},
        {kRulesVariable, std::filesystem::absolute(rules.file).string()},
        {kShippedVariable, std::filesystem::absolute(shipped).string()}};
    if (decisions >= 0) env[kDecisionVariable] = std::to_string(decisions);
    return git_gate::run_git_daemon(cfg, env);
  } catch (const bottle::config::ConfigError& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return 2;
  } catch (const std::exception& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return 1;
  }
}
