#include "gate_repositories.hpp"

#include <filesystem>
#include <stdexcept>

#include "bottle/config/atomic_file.hpp"
#include "bottle/subprocess.hpp"
#include "repository_lock.hpp"

namespace fs = std::filesystem;

namespace git_gate {

namespace {

void git_or_throw(const std::vector<std::string>& argv) {
  const auto r = bottle::run_captured(argv);
  if (!r.ok()) throw std::runtime_error(bottle::printable(argv) + " failed: " + r.err);
}

std::string hook_script(const std::string& self, const std::string& mode) {
  return "#!/bin/sh\n# Written by git-gate at start.\nexec '" + self + "' " + mode + " \"$@\"\n";
}

}  // namespace

std::string hooks_dir(const GateConfig& cfg) { return cfg.repositories_dir + "/.hooks"; }

void prepare_repositories(const GateConfig& cfg, const std::string& self) {
  fs::create_directories(hooks_dir(cfg));
  bottle::config::write_file_atomically(fs::path(hooks_dir(cfg)) / "pre-receive",
                                        hook_script(self, "pre-receive"), 0755);
  bottle::config::write_file_atomically(fs::path(hooks_dir(cfg)) / "access-hook",
                                        hook_script(self, "access-hook"), 0755);
  for (const auto& u : cfg.upstreams) {
    const std::string repo = cfg.repository(u);
    if (!fs::exists(fs::path(repo) / "HEAD")) git_or_throw({"git", "init", "-q", "--bare", repo});
    git_or_throw({"git", "-C", repo, "config", "core.hooksPath", hooks_dir(cfg)});
    // The gate serves what upstream has; git gc must not prune a push in flight.
    git_or_throw({"git", "-C", repo, "config", "gc.auto", "0"});
  }
}

std::string fetch_from_upstream(const GateConfig& cfg, const GateUpstream& u) {
  const std::string repo = cfg.repository(u);
  // One writer of the gate's refs at a time: this fetch waits for a push in flight.
  const RepositoryLock lock(repo);
  const auto r = bottle::run_captured(
      {"git", "-C", repo, "fetch", "--quiet", "--prune", "--no-write-fetch-head", u.url,
       "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"},
      upstream_environment(u));
  if (r.ok()) {
    // The default branch follows upstream's, so a clone checks out what it would upstream.
    const auto head = bottle::run_captured({"git", "ls-remote", "--symref", u.url, "HEAD"},
                                           upstream_environment(u));
    const std::string prefix = "ref: ";
    if (head.ok() && head.out.starts_with(prefix)) {
      const std::string ref = head.out.substr(prefix.size(), head.out.find('\t') - prefix.size());
      bottle::run_captured({"git", "-C", repo, "symbolic-ref", "HEAD", ref});
    }
    return "";
  }
  std::string why = r.err;
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return "fetch from " + u.url + " failed: " + why;
}

const GateUpstream* upstream_of_repository(const GateConfig& cfg, const std::string& path) {
  std::string name = fs::path(path).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(path).lexically_normal().parent_path().filename().string();
  if (name == ".git") name = fs::path(path).lexically_normal().parent_path().filename().string();
  if (name.ends_with(".git")) name.resize(name.size() - 4);
  return cfg.find(name);
}

}  // namespace git_gate
