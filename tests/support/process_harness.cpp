#include "process_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "bottle/subprocess.hpp"

namespace bottle_test {

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    ::execvp(cargv[0], cargv.data());
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_.fd = out[0];
  err_.fd = err[0];
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::close(out_.fd);
  ::close(err_.fd);
}

bool Process::running() {
  if (reaped_) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::optional<std::string> Process::line(Stream& s, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (size_t nl = s.buffer.find('\n'); nl != std::string::npos) {
      std::string line = s.buffer.substr(0, nl);
      s.buffer.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    s.buffer.append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> Process::stdout_line(std::chrono::milliseconds d) {
  return line(out_, d);
}
std::optional<std::string> Process::stderr_line(std::chrono::milliseconds d) {
  return line(err_, d);
}

std::optional<std::string> Process::stderr_line_with(const std::string& text,
                                                     std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto l = stderr_line(left);
    if (!l) return std::nullopt;
    if (l->find(text) != std::string::npos) return l;
  }
}

std::filesystem::path scratch_dir(const std::string& stem) {
  std::string pattern = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
  return pattern;
}

void must(const std::vector<std::string>& argv) {
  auto [code, output] = run(argv);
  if (code != 0) throw std::runtime_error(bottle::printable(argv) + " failed: " + output);
}

void make_bare_repository(const std::filesystem::path& bare, const std::string& readme) {
  const std::string work = bare.string() + "-work";
  must({"git", "init", "-q", "-b", "main", work});
  std::ofstream(std::filesystem::path(work) / "README") << readme << "\n";
  must({"git", "-C", work, "add", "README"});
  must({"git", "-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first"});
  must({"git", "clone", "-q", "--bare", work, bare.string()});
}

int dial_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

std::string exchange(int port, const std::string& request, std::chrono::milliseconds deadline) {
  const int fd = dial_loopback(port);
  std::string reply;
  if (fd >= 0) {
    if (!request.empty()) {
      [[maybe_unused]] ssize_t sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    }
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      reply.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  }
  return reply;
}

std::pair<int, std::string> run(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env) {
  bottle::ExtraEnv all = {{"NO_PROXY", ""}, {"no_proxy", ""}};
  for (const auto& [k, v] : env) all[k] = v;
  auto r = bottle::run_captured(argv, all);
  return {r.exit_code, r.out + r.err};
}

}  // namespace bottle_test
