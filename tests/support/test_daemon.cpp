// testd: a small daemon the process tests run under the real supervisor. It
// listens on a TCP port and answers one-line commands, so a test can hold a
// connection open across a sibling's restart and ask what happened to it:
//   ping -> pong      pid -> its pid      hups -> SIGHUPs received so far
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string name = "testd";
  int port = 0;
  bool ignore_term = false;
  int exit_after_ms = -1;
  int exit_code = 1;
  int orphans = 0;
  long long flood_bytes = 0;
  int listen_delay_ms = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "testd: %s needs a value\n", a.c_str());
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--name")
      o.name = next();
    else if (a == "--listen")
      o.port = std::stoi(next());
    else if (a == "--ignore-term")
      o.ignore_term = true;
    else if (a == "--exit-after-ms")
      o.exit_after_ms = std::stoi(next());
    else if (a == "--exit-code")
      o.exit_code = std::stoi(next());
    else if (a == "--orphans")
      o.orphans = std::stoi(next());
    else if (a == "--flood-bytes")
      o.flood_bytes = std::stoll(next());
    else if (a == "--listen-delay-ms")
      o.listen_delay_ms = std::stoi(next());
    else {
      std::fprintf(stderr, "testd: unknown option %s\n", a.c_str());
      std::exit(64);
    }
  }
  return o;
}

// Each orphan's parent exits at once, so the orphan is reparented to the
// supervisor (PID 1 or subreaper), which alone can reap it.
void make_orphans(int count) {
  for (int i = 0; i < count; ++i) {
    pid_t child = fork();
    if (child == 0) {
      if (fork() == 0) _exit(0);
      _exit(0);
    }
    if (child > 0) waitpid(child, nullptr, 0);
  }
}

void flood(long long bytes) {
  std::string line(99, 'x');
  line += '\n';
  long long written = 0;
  while (written < bytes) {
    ssize_t n = write(1, line.data(), line.size());
    if (n <= 0) break;
    written += n;
  }
  std::fprintf(stderr, "flood done: %lld bytes\n", written);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  std::printf("testd %s started pid %d\n", o.name.c_str(), getpid());
  std::fflush(stdout);
  if (o.orphans > 0) make_orphans(o.orphans);
  if (o.flood_bytes > 0) flood(o.flood_bytes);

  int lfd = -1;
  if (o.port > 0) {
    if (o.listen_delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(o.listen_delay_ms));
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(o.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 64) != 0) {
      std::fprintf(stderr, "testd %s: cannot listen on %d: %s\n", o.name.c_str(), o.port,
                   strerror(errno));
      return 3;
    }
  }

  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.exit_after_ms);
  int hups = 0;
  std::map<int, std::string> clients;
  for (;;) {
    std::vector<pollfd> fds{{sfd, POLLIN, 0}};
    if (lfd >= 0) fds.push_back({lfd, POLLIN, 0});
    for (auto& [fd, _] : clients) fds.push_back({fd, POLLIN, 0});
    int timeout = -1;
    if (o.exit_after_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        std::fprintf(stderr, "testd %s: exiting with code %d as told\n", o.name.c_str(),
                     o.exit_code);
        return o.exit_code;
      }
      timeout = static_cast<int>(left);
    }
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) return 4;
    for (const auto& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (p.fd == sfd) {
        signalfd_siginfo si{};
        if (read(sfd, &si, sizeof si) != sizeof si) continue;
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGHUP) {
          ++hups;
          std::printf("testd %s: got SIGHUP (%d so far)\n", o.name.c_str(), hups);
          std::fflush(stdout);
        } else if ((sig == SIGTERM || sig == SIGINT) && !o.ignore_term) {
          std::printf("testd %s: stopping on signal %d\n", o.name.c_str(), sig);
          return 0;
        }
      } else if (p.fd == lfd) {
        int c = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) clients[c];
      } else {
        char buf[512];
        ssize_t n = read(p.fd, buf, sizeof buf);
        if (n <= 0) {
          close(p.fd);
          clients.erase(p.fd);
          continue;
        }
        std::string& in = clients[p.fd];
        in.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = in.find('\n')) != std::string::npos) {
          std::string cmd = in.substr(0, nl);
          in.erase(0, nl + 1);
          std::string reply = cmd == "ping"   ? "pong"
                              : cmd == "pid"  ? std::to_string(getpid())
                              : cmd == "hups" ? std::to_string(hups)
                                              : "?";
          reply += "\n";
          (void)!write(p.fd, reply.data(), reply.size());
        }
      }
    }
  }
}
