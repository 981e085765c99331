#include "bottle_cli_harness.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bottle/config/atomic_file.hpp"

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) { return bottle::config::read_file(p); }

BottleCli::BottleCli() {
  std::string pattern = (fs::temp_directory_path() / "bottle-cli-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  fs::create_directories(dir_ / "src" / "images");
  std::ofstream(dir_ / "src" / "images" / "Dockerfile.sidecars") << "FROM scratch\n";
  fs::create_directories(dir_ / "work");
}

BottleCli::~BottleCli() {
  // Never throws from a destructor: a leftover folder is not a test failure.
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bottle::ExtraEnv BottleCli::base_env() const {
  return {{"PATH", std::string(FAKE_DOCKER_DIR) + ":" + std::getenv("PATH")},
          {"FAKE_DOCKER_STATE", (dir_ / "docker").string()},
          {"FAKE_DOCKER_LOG", (dir_ / "docker.log").string()},
          {"BOTTLE_SOURCE_DIR", (dir_ / "src").string()},
          {"EDITOR", "false"}};
}

bottle::CommandResult BottleCli::run(const std::vector<std::string>& args,
                                     bottle::ExtraEnv env) const {
  std::vector<std::string> argv = {BOTTLE_BIN, "--state-dir", state().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  for (const auto& [k, v] : base_env()) env.emplace(k, v);
  return bottle::run_captured(argv, env);
}

bottle::CommandResult BottleCli::run_with_input(const std::vector<std::string>& args,
                                                const std::string& input) const {
  const fs::path in = dir_ / "stdin.txt";
  std::ofstream(in) << input;
  std::vector<std::string> argv = {BOTTLE_BIN, "--state-dir", state().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return bottle::run_captured(argv, base_env(), in.string());
}

BottleCli::Running BottleCli::start_in_background(const std::vector<std::string>& args,
                                                  bottle::ExtraEnv env) const {
  // A plain fork/exec: the test needs the pid to signal, and output in files.
  for (const auto& [k, v] : base_env()) env.emplace(k, v);
  const fs::path out = dir_ / "bg.out";
  const fs::path err = dir_ / "bg.err";
  std::vector<std::string> argv = {BOTTLE_BIN, "--state-dir", state().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr))
      _exit(126);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  return {pid, [pid, out, err] {
            int status = 0;
            ::waitpid(pid, &status, 0);
            return bottle::CommandResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                         read_text(out), read_text(err)};
          }};
}

std::vector<std::string> BottleCli::docker_calls() const {
  std::vector<std::string> lines;
  if (!fs::exists(dir_ / "docker.log")) return lines;
  std::istringstream in(read_text(dir_ / "docker.log"));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool BottleCli::docker_called(const std::string& line) const {
  for (const auto& l : docker_calls()) {
    if (l == line) return true;
  }
  return false;
}

void BottleCli::clear_docker_calls() const { fs::remove(dir_ / "docker.log"); }

fs::path BottleCli::write_manifest(const std::string& extra) const {
  const fs::path path = dir_ / "bottles.yaml";
  std::ofstream(path) << "bottles:\n"
                         "  demo:\n"
                         "    agent: {image: 'agent:1', workdir: ./work}\n"
                         "    allowlist: [a.com, b.com]\n"
                         "    routes:\n"
                         "      - {host: api.github.com, upstream: 'https://api.github.com', "
                         "token_env: GITHUB_TOKEN}\n"
                      << extra;
  return path;
}

void BottleCli::start_demo() const {
  auto r = run({"start", write_manifest().string(), "--detach"},
               {{"GITHUB_TOKEN", "ghp_thetokenvalue0123456789"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  clear_docker_calls();
}

void BottleCli::stop_container(const std::string& name) const {
  fs::remove(dir_ / "docker" / "running" / name);
}
