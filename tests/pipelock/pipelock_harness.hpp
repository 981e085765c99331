#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process_harness.hpp"

namespace pipelock_test {

using namespace std::chrono_literals;

using bottle_test::exchange;
using bottle_test::Process;
using bottle_test::run;

// A scratch folder with a small site and a bare git repository, served over
// plain HTTP by Python's http.server on a loopback port (git's dumb protocol
// is enough for ls-remote).
class Upstream {
 public:
  Upstream();
  ~Upstream();
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> server_;
  int port_ = 0;
};

// An HTTPS upstream (Python's http.server over TLS, HTTP/1.1 keep-alive) whose
// certificate covers allowed.test and evil.test: the server a fronted request
// would succeed against. It serves index.html ("hello-over-tls") and repo.git,
// a bare repository prepared for git's dumb HTTP protocol.
class TlsUpstream {
 public:
  TlsUpstream();
  int port() const { return port_; }
  std::string ca() const { return (dir_ / "cert.pem").string(); }
  // What the last POST carried, as the upstream read it ("" before any).
  std::string last_post() const;
  std::string last_post_headers() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// The real pipelock with the given pipelock.yaml (listening on 127.0.0.1:0;
// the port is read from its start-up line).
class Pipelock {
 public:
  explicit Pipelock(const std::string& yaml, const std::vector<std::string>& extra_args = {});
  ~Pipelock();
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  // The next decision line, as JSON text.
  std::optional<std::string> next_decision(std::chrono::milliseconds deadline = 10s) {
    return process_->stdout_line(deadline);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

std::string pipelock_bin();

}  // namespace pipelock_test
