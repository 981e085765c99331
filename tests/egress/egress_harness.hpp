#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../pipelock/pipelock_harness.hpp"
#include "process_harness.hpp"

namespace egress_test {

using namespace std::chrono_literals;
using bottle_test::Process;

std::string egress_bin();

// A CA and a certificate it signed for localhost and 127.0.0.1, made with
// the openssl command line.
struct TestCa {
  TestCa();
  ~TestCa();
  std::filesystem::path dir;
  std::filesystem::path ca_cert() const { return dir / "ca.pem"; }
  std::filesystem::path leaf_cert() const { return dir / "leaf.pem"; }
  std::filesystem::path leaf_key() const { return dir / "leaf.key"; }
};

// tests/egress/https_upstream.py on a loopback port with TLS from `ca`: an
// echo service, a streaming service, and git's smart HTTP over a bare
// repository "repo.git" (one commit on main). Every request it receives is
// recorded in received().
class HttpsUpstream {
 public:
  explicit HttpsUpstream(const TestCa& ca);
  ~HttpsUpstream();
  int port() const { return port_; }
  std::string url() const { return "https://localhost:" + std::to_string(port_); }
  // Everything the upstream received so far: one JSON line per request (and
  // one {"closed": path} line when a /slow or /stream connection was closed).
  std::string received() const;
  // What /reflect last sent: {"header": X-Echo's value, "body": the body
  // before any gzip}.
  std::string last_reflection() const;
  std::filesystem::path repo() const { return dir_ / "repo.git"; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> server_;
  int port_ = 0;
};

// The real egress on 127.0.0.1:0 with `routes_yaml` as its routes file,
// `env` added to its environment (tokens, HTTPS_PROXY), and `args` added to
// its command line.
class Egress {
 public:
  Egress(const std::string& routes_yaml, const std::vector<std::string>& env,
         const std::vector<std::string>& args);
  ~Egress();
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  // Replaces routes.yaml the way the host tool does (a rename), then SIGHUP.
  void replace_routes(const std::string& yaml);
  Process& process() { return *process_; }
  // How many file descriptors egress has open now.
  std::size_t open_fds() const;
  // Every request-log line and stderr line seen so far, and the rest that
  // comes within `deadline`.
  std::string all_output(std::chrono::milliseconds deadline = 200ms);
  // The next request-log line.
  std::optional<std::string> next_request(std::chrono::milliseconds deadline = 10s) {
    return process_->stdout_line(deadline);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// A pipelock.yaml that lets egress reach `host` (and loopback, where the
// test upstream lives) on `port`.
std::string pipelock_allowing(const std::string& host, int port);

// The whole path an agent's call takes: egress, through the real pipelock
// (allowing only localhost), to the HTTPS upstream, with two routes:
//   svc.test -> upstream/      Authorization: Bearer <kSvcToken>
//   git.test -> upstream/git   Authorization: token <kGitToken>
struct World {
  static constexpr const char* kSvcToken = "svc-9f8e7d6c5b4a-secret";
  static constexpr const char* kGitToken = "git-1a2b3c4d5e6f-secret";

  // `extra_env` is added to egress's environment, `extra_args` to its command line.
  explicit World(const std::vector<std::string>& extra_env = {},
                 const std::vector<std::string>& extra_args = {});
  std::string routes_yaml() const;
  // A route for `host` to the upstream, as a routes.yaml list item.
  std::string route(const std::string& host, const std::string& upstream_path = "") const;

  TestCa ca;
  HttpsUpstream upstream{ca};
  pipelock_test::Pipelock pipelock{pipelock_allowing("localhost", upstream.port())};
  std::unique_ptr<Egress> egress;
};

}  // namespace egress_test
