#include "egress_harness.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bottle/config/atomic_file.hpp"

namespace fs = std::filesystem;

namespace egress_test {

using bottle_test::must;

std::string egress_bin() { return EGRESS_BIN; }

TestCa::TestCa() : dir(bottle_test::scratch_dir("egress-ca")) {
  const std::string d = dir.string();
  auto key = [&](const std::string& name) {
    must({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
          d + "/" + name});
  };
  key("ca.key");
  key("leaf.key");
  must({"openssl", "req", "-x509", "-new", "-key", d + "/ca.key", "-out", d + "/ca.pem", "-days",
        "2", "-subj", "/CN=egress test CA"});
  must({"openssl", "req", "-new", "-key", d + "/leaf.key", "-out", d + "/leaf.csr", "-subj",
        "/CN=localhost"});
  std::ofstream(dir / "ext.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  must({"openssl", "x509", "-req", "-in", d + "/leaf.csr", "-CA", d + "/ca.pem", "-CAkey",
        d + "/ca.key", "-CAcreateserial", "-out", d + "/leaf.pem", "-days", "2", "-extfile",
        d + "/ext.cnf"});
}

TestCa::~TestCa() { fs::remove_all(dir); }

HttpsUpstream::HttpsUpstream(const TestCa& ca) : dir_(bottle_test::scratch_dir("egress-upstream")) {
  bottle_test::make_bare_repository(repo(), "a repository behind egress");
  // Upstream would take a push: any refusal the tests see is egress's.
  must({"git", "-C", repo().string(), "config", "http.receivepack", "true"});
  server_ = std::make_unique<Process>(
      std::vector<std::string>{"python3", "-u", UPSTREAM_SCRIPT, "--cert", ca.leaf_cert().string(),
                               "--key", ca.leaf_key().string(), "--git-root", dir_.string(),
                               "--record", (dir_ / "received.jsonl").string()});
  auto line = server_->stdout_line(20s);
  if (!line || !line->starts_with("listening on ")) {
    throw std::runtime_error("the HTTPS upstream did not start");
  }
  port_ = std::stoi(line->substr(13));
}

HttpsUpstream::~HttpsUpstream() {
  server_.reset();
  fs::remove_all(dir_);
}

std::string HttpsUpstream::received() const {
  std::ifstream in(dir_ / "received.jsonl");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string HttpsUpstream::last_reflection() const {
  std::ifstream in(dir_ / "sent.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Egress::Egress(const std::string& routes_yaml, const std::vector<std::string>& env,
               const std::vector<std::string>& args)
    : dir_(bottle_test::scratch_dir("egress")) {
  std::ofstream(dir_ / "routes.yaml") << routes_yaml;
  std::vector<std::string> argv = {egress_bin(), "--routes", (dir_ / "routes.yaml").string(),
                                   "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv, env);
  if (auto line = process_->stderr_line_with("listening on 127.0.0.1:", 20s)) {
    port_ = std::stoi(line->substr(line->find("127.0.0.1:") + 10));
    return;
  }
  throw std::runtime_error("egress did not start with:\n" + routes_yaml);
}

Egress::~Egress() {
  process_.reset();
  fs::remove_all(dir_);
}

std::size_t Egress::open_fds() const {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       fs::directory_iterator("/proc/" + std::to_string(process_->pid()) + "/fd")) {
    ++n;
  }
  return n;
}

void Egress::replace_routes(const std::string& yaml) {
  bottle::config::write_file_atomically(dir_ / "routes.yaml", yaml, 0644);
  ::kill(process_->pid(), SIGHUP);
}

std::string Egress::all_output(std::chrono::milliseconds deadline) {
  std::string out;
  for (bool more = true; more;) {
    more = false;
    if (auto l = process_->stdout_line(deadline)) {
      out += *l + "\n";
      more = true;
    }
    if (auto l = process_->stderr_line(deadline)) {
      out += *l + "\n";
      more = true;
    }
  }
  return out;
}

std::string pipelock_allowing(const std::string& host, int port) {
  return "version: 1\nmode: strict\napi_allowlist: [" + host +
         "]\nfetch_proxy: {listen: \"127.0.0.1:0\"}\n"
         "forward_proxy: {enabled: true, allowed_ports: [" +
         std::to_string(port) + "]}\nssrf: {ip_allowlist: [127.0.0.0/8]}\n";
}

World::World(const std::vector<std::string>& extra_env,
             const std::vector<std::string>& extra_args) {
  std::vector<std::string> env = {std::string("BOTTLE_TOKEN_SVC_TOKEN=") + kSvcToken,
                                  std::string("BOTTLE_TOKEN_GIT_TOKEN=") + kGitToken,
                                  "HTTPS_PROXY=http://127.0.0.1:" + std::to_string(pipelock.port()),
                                  "NO_PROXY="};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<std::string> args = {"--ca-file", ca.ca_cert().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  egress = std::make_unique<Egress>(routes_yaml(), env, args);
}

std::string World::route(const std::string& host, const std::string& upstream_path) const {
  return "  - {host: " + host + ", upstream: \"" + upstream.url() + upstream_path +
         "\", token_env: SVC_TOKEN}\n";
}

std::string World::routes_yaml() const {
  return "routes:\n" + route("svc.test") + "  - {host: git.test, upstream: \"" + upstream.url() +
         "/git\", token_env: GIT_TOKEN, value: \"token {token}\"}\n";
}

}  // namespace egress_test
