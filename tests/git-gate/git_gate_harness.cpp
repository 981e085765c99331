#include "git_gate_harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace git_gate_test {

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

Gate::Gate() : dir_(bottle_test::scratch_dir("git-gate")), port_(free_port()) {
  bottle_test::make_bare_repository(upstream(), "a project behind git-gate");
  // Like a hosted upstream's protected branch: history is never rewritten.
  bottle_test::must(
      {"git", "-C", upstream().string(), "config", "receive.denyNonFastForwards", "true"});
  std::ofstream(dir_ / "git-gate.yaml")
      << "listen: 127.0.0.1:" << port_ << "\nrepositories_dir: " << (dir_ / "repos").string()
      << "\nupstreams:\n  - {name: proj, upstream: \"file://" << upstream().string() << "\"}\n";
  process_ = std::make_unique<bottle_test::Process>(std::vector<std::string>{
      GIT_GATE_BIN, "--config", (dir_ / "git-gate.yaml").string(), "--rules", SHIPPED_RULES});
  if (!process_->stderr_line_with("serving 1 repositories", 20s)) {
    throw std::runtime_error("git-gate did not start");
  }
  // git daemon binds after git-gate's line: wait until it accepts.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (up) return;
    std::this_thread::yield();
  }
  throw std::runtime_error("git daemon did not listen");
}

Gate::~Gate() {
  process_.reset();
  fs::remove_all(dir_);
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
  auto [code, out] =
      bottle_test::run({"git", "-C", repo.string(), "rev-parse", "--verify", "-q", ref});
  if (code != 0) return "";
  return out.substr(0, out.find('\n'));
}

std::string Gate::commit_file(const std::string& repo, const std::string& file,
                              const std::string& content, const std::string& message) {
  fs::create_directories((fs::path(repo) / file).parent_path());
  std::ofstream(fs::path(repo) / file) << content;
  bottle_test::must({"git", "-C", repo, "add", file});
  bottle_test::must({"git", "-C", repo, "-c", "user.name=agent", "-c", "user.email=agent@bottle",
                     "commit", "-qm", message});
  return rev(repo, "HEAD");
}

}  // namespace git_gate_test
