#include "git_gate_harness.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bottle/unique_fd.hpp"
#include "port_reservation.hpp"

namespace fs = std::filesystem;

namespace git_gate_test {

namespace {

std::string command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  for (auto& c : s) {
    if (c == '\0') c = ' ';
  }
  return std::to_string(pid) + ": " + s;
}

}  // namespace

bool await_exit(pid_t pid, std::chrono::milliseconds deadline) {
  bottle::UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) return errno == ESRCH;  // already gone
  pollfd p{fd.get(), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(deadline.count())) == 1;
}

std::vector<pid_t> group_members(pid_t group) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    // "pid (comm) state ppid pgrp ...": comm may hold spaces, so read after its ')'.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp == group && state != 'Z' && state != 'X') out.push_back(std::stoi(name));
  }
  return out;
}

Gate::Gate(GateOptions options)
    : dir_(bottle_test::scratch_dir("git-gate")), port_(bottle_test::reserve_tcp_port()) {
  bottle_test::make_bare_repository(upstream(), "a project behind git-gate");
  if (options.upstream_denies_non_fast_forward) {
    bottle_test::must(
        {"git", "-C", upstream().string(), "config", "receive.denyNonFastForwards", "true"});
  }
  for (const auto& [name, content] : options.files) std::ofstream(dir_ / name) << content;
  std::ofstream(dir_ / "git-gate.yaml")
      << "listen: 127.0.0.1:" << port_ << "\nrepositories_dir: " << (dir_ / "repos").string()
      << "\n"
      << options.extra_config << "upstreams:\n  - {name: proj, upstream: \"file://"
      << upstream().string() << "\"}\n";
  // setsid: git-gate leads its own process group, as the supervisor starts it.
  process_ = std::make_unique<bottle_test::Process>(std::vector<std::string>{
      "setsid", GIT_GATE_BIN, "--config", (dir_ / "git-gate.yaml").string(), "--shipped-rules",
      SHIPPED_RULES});
  if (!process_->stderr_line_with("serving 1 repositories", 20s)) {
    throw std::runtime_error("git-gate did not start");
  }
  // git daemon binds after git-gate's line: wait until it accepts.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    bottle::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
    std::this_thread::yield();
  }
  throw std::runtime_error("git daemon did not listen");
}

std::vector<std::string> Gate::stop() {
  std::vector<std::string> survivors;
  if (stopped_) return survivors;
  stopped_ = true;
  const pid_t group = process_->pid();
  ::kill(-group, SIGTERM);
  await_exit(group, 10s);
  for (pid_t p : group_members(group)) {
    if (!await_exit(p, 5s)) survivors.push_back(command_line(p));
  }
  if (!survivors.empty()) ::kill(-group, SIGKILL);
  process_->running();  // reaps git-gate
  return survivors;
}

Gate::~Gate() {
  const auto survivors = stop();
  for (const auto& s : survivors) ADD_FAILURE() << "outlived git-gate's SIGTERM: " << s;
  process_.reset();
  fs::remove_all(dir_);
}

std::string Gate::decision_line(std::chrono::milliseconds deadline) {
  return process_->stdout_line(deadline).value_or("");
}

std::pair<int, std::string> Gate::git(const std::string& repo,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git", "-C", repo};
  argv.insert(argv.end(), args.begin(), args.end());
  return bottle_test::run(argv);
}

std::string Gate::clone(const std::string& name) {
  const std::string path = (dir_ / name).string();
  bottle_test::must({"git", "clone", "-q", url(), path});
  return path;
}

std::string Gate::rev(const fs::path& repo, const std::string& ref) {
  auto [code, out] = bottle_test::run(
      {"git", "--no-replace-objects", "-C", repo.string(), "rev-parse", "--verify", "-q", ref});
  if (code != 0) return "";
  return out.substr(0, out.find('\n'));
}

std::string Gate::commit_file(const std::string& repo, const std::string& file,
                              const std::string& content, const std::string& message) {
  fs::create_directories((fs::path(repo) / file).parent_path());
  std::ofstream(fs::path(repo) / file, std::ios::binary) << content;
  bottle_test::must({"git", "-C", repo, "add", file});
  bottle_test::must({"git", "-C", repo, "-c", "user.name=agent", "-c", "user.email=agent@bottle",
                     "commit", "-qm", message});
  return rev(repo, "HEAD");
}

}  // namespace git_gate_test
