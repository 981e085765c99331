#include "pipelock_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "bottle/subprocess.hpp"

namespace fs = std::filesystem;

namespace pipelock_test {

std::string pipelock_bin() { return PIPELOCK_BIN; }

namespace {

using bottle_test::must;

fs::path scratch(const std::string& stem) { return bottle_test::scratch_dir(stem); }

}  // namespace

Upstream::Upstream() : dir_(scratch("pipelock-upstream")) {
  std::ofstream(dir_ / "index.html") << "hello-upstream\n";
  // A repository with one commit, cloned bare and prepared for dumb HTTP.
  bottle_test::make_bare_repository(dir_ / "repo.git", "a repository behind pipelock");
  must({"git", "-C", (dir_ / "repo.git").string(), "update-server-info"});
  // http.server logs every request to stderr, which nobody reads: after 64 KiB
  // (about 900 requests) it would block on the full pipe and stop answering.
  server_ = std::make_unique<Process>(std::vector<std::string>{
      "sh", "-c",
      "exec python3 -u -m http.server 0 --bind 127.0.0.1 --directory \"$0\" 2>/dev/null",
      dir_.string()});
  // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
  auto line = server_->stdout_line(20s);
  if (!line) throw std::runtime_error("http.server did not start");
  const size_t at = line->find(" port ");
  port_ = std::stoi(line->substr(at + 6));
}

TlsUpstream::TlsUpstream() : dir_(scratch("pipelock-tls")) {
  must({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=allowed.test", "-addext",
        "subjectAltName=DNS:allowed.test,DNS:evil.test", "-keyout", (dir_ / "key.pem").string(),
        "-out", (dir_ / "cert.pem").string()});
  fs::create_directories(dir_ / "site");
  std::ofstream(dir_ / "site" / "index.html") << "hello-over-tls\n";
  bottle_test::make_bare_repository(dir_ / "site" / "repo.git", "a repository behind pipelock");
  must({"git", "-C", (dir_ / "site" / "repo.git").string(), "update-server-info"});
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "python3", "-u", UPSTREAMS_PY, "tls", (dir_ / "port").string(), (dir_ / "cert.pem").string(),
      (dir_ / "key.pem").string(), (dir_ / "site").string()});
  for (int i = 0; i < 2000 && !fs::exists(dir_ / "port"); ++i) {
    std::this_thread::sleep_for(10ms);  // the port file appears once it listens
  }
  port_ = std::stoi(run({"cat", (dir_ / "port").string()}).second);
}

std::string TlsUpstream::last_post() const {
  std::ifstream in(dir_ / "site" / "last-post", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string TlsUpstream::last_post_headers() const {
  std::ifstream in(dir_ / "site" / "last-post-headers");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Upstream::~Upstream() {
  server_.reset();
  fs::remove_all(dir_);
}

Pipelock::Pipelock(const std::string& yaml, const std::vector<std::string>& extra_args)
    : dir_(scratch("pipelock")) {
  std::ofstream(dir_ / "pipelock.yaml") << yaml;
  std::vector<std::string> argv{pipelock_bin(), "--config", (dir_ / "pipelock.yaml").string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>(argv);
  // "pipelock: <time> info: listening on 127.0.0.1:PORT (...)"
  while (auto line = process_->stderr_line(20s)) {
    const size_t at = line->find("listening on 127.0.0.");
    if (at != std::string::npos) {
      const size_t colon = line->find(':', at + 13);
      port_ = std::stoi(line->substr(colon + 1));
      return;
    }
  }
  throw std::runtime_error("pipelock did not start with:\n" + yaml);
}

Pipelock::~Pipelock() {
  process_.reset();
  fs::remove_all(dir_);
}

}  // namespace pipelock_test
