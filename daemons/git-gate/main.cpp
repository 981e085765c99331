// git-gate: the agent's git remote. It serves the bottle's repositories with
// git daemon, fetches from each upstream before serving it, and lets a push
// through only when the secret scan finds nothing and the upstream takes it.
// The same executable is git daemon's access hook and the repositories'
// pre-receive hook (subcommands), so the gate is one program to audit.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "bottle/config/config_error.hpp"
#include "gate_config.hpp"
#include "gate_repositories.hpp"
#include "git_daemon.hpp"
#include "pre_receive.hpp"
#include "secret_rules.hpp"
#include "secret_scanner.hpp"

namespace {

// How the hooks, run by git, learn what the daemon was started with.
constexpr const char* kConfigVariable = "GIT_GATE_CONFIG";
constexpr const char* kRulesVariable = "GIT_GATE_RULES";

std::string rules_path(const git_gate::GateConfig& cfg, const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!cfg.rules.empty()) return cfg.rules;
  return GIT_GATE_DEFAULT_RULES;
}

std::string config_from_environment() {
  const char* path = std::getenv(kConfigVariable);
  return path ? path : "/etc/bottle/git-gate/git-gate.yaml";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"git-gate: the agent's git remote, which lets no secret out"};
  std::string config_path = "/etc/bottle/git-gate/git-gate.yaml";
  std::string rules_flag;
  bool check_only = false;
  app.add_option("--config", config_path, "git-gate.yaml")->capture_default_str();
  app.add_option("--rules", rules_flag,
                 "secret rules (default: git-gate.yaml's, else the shipped ones)");
  app.add_flag("--check", check_only, "check the config and the rules, and exit");

  auto* pre_receive = app.add_subcommand("pre-receive", "the repositories' pre-receive hook");
  auto* access = app.add_subcommand("access-hook", "git daemon's access hook");
  std::vector<std::string> access_args;
  access->add_option("args", access_args, "service, path, host, ...")->required();
  auto* scan = app.add_subcommand("scan", "scan commits of a repository and print the findings");
  std::string scan_repo = ".";
  std::vector<std::string> scan_revs;
  scan->add_option("--repo", scan_repo, "repository")->capture_default_str();
  scan->add_option("revisions", scan_revs, "what git log takes (a range, --all)")->required();
  CLI11_PARSE(app, argc, argv);

  auto log = spdlog::stderr_logger_st("git-gate");
  log->set_pattern("%n: %Y-%m-%dT%H:%M:%S.%eZ %l: %v", spdlog::pattern_time_type::utc);

  try {
    if (*scan) {
      const auto rules =
          git_gate::SecretRules::load(rules_flag.empty() ? GIT_GATE_DEFAULT_RULES : rules_flag);
      git_gate::PatchScanner scanner(rules);
      try {
        git_gate::scan_revisions(scanner, scan_repo, scan_revs);
      } catch (const std::runtime_error& e) {
        // Not 1: that means findings, and a failed scan has not looked.
        log->error("{}", e.what());
        return 2;
      }
      for (const auto& f : scanner.findings()) {
        std::cout << f.fingerprint() << "\t" << f.redacted_excerpt() << "\n";
      }
      std::cerr << scanner.lines_scanned() << " added lines scanned, " << scanner.findings().size()
                << " findings\n";
      return scanner.findings().empty() ? 0 : 1;
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
          log->warn("{} of {}: {}", service, upstream->name, failed);
        }
        return 0;
      }
      const char* rules_file = std::getenv(kRulesVariable);
      const auto rules = git_gate::SecretRules::load(rules_path(cfg, rules_file ? rules_file : ""));
      return git_gate::run_pre_receive(cfg, rules, std::filesystem::current_path().string(),
                                       std::cin, std::cerr);
    }

    const auto cfg = git_gate::GateConfig::load(config_path);
    const std::string rules_file = rules_path(cfg, rules_flag);
    const auto rules = git_gate::SecretRules::load(rules_file);
    if (check_only) {
      std::cout << config_path << ": ok, " << cfg.upstreams.size() << " upstreams; " << rules_file
                << ": " << rules.rules.size() << " rules\n";
      return 0;
    }
    git_gate::prepare_repositories(cfg, std::filesystem::canonical("/proc/self/exe").string());
    for (const auto& u : cfg.upstreams) {
      const std::string failed = git_gate::fetch_from_upstream(cfg, u);
      if (!failed.empty()) log->warn("{}: {}", u.name, failed);
    }
    log->info("serving {} repositories on {}:{} ({} secret rules from {})", cfg.upstreams.size(),
              cfg.listen_host, cfg.listen_port, rules.rules.size(), rules_file);
    return git_gate::run_git_daemon(
        cfg, {{kConfigVariable, std::filesystem::absolute(config_path).string()},
              {kRulesVariable, std::filesystem::absolute(rules_file).string()}});
  } catch (const bottle::config::ConfigError& e) {
    log->error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return 1;
  }
}
