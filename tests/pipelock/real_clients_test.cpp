// The clients an agent actually runs, through pipelock to an HTTPS upstream,
// 100 times each: every try must pass. A proxy that mishandles how a client
// splits its writes (the head in pieces, the ClientHello after the CONNECT)
// fails some fraction of tries, not all, so one try proves little.
#include <gtest/gtest.h>

#include "pipelock_harness.hpp"

using namespace pipelock_test;

namespace {

constexpr int kTries = 100;

std::string config(int port) {
  return "mode: strict\napi_allowlist: [allowed.test]\nfetch_proxy: {listen: '127.0.0.1:0'}\n"
         "forward_proxy: {enabled: true, allowed_ports: [" +
         std::to_string(port) +
         "]}\nssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
}

}  // namespace

TEST(PipelockRealClients, CurlGitAndPythonUrllibEachPassEveryOneOfAHundredTries) {
  TlsUpstream up;
  Pipelock p(config(up.port()));
  const std::string proxy = "http://127.0.0.1:" + std::to_string(p.port());
  const std::string origin = "https://allowed.test:" + std::to_string(up.port());

  int curl_ok = 0;
  int git_ok = 0;
  std::string failure;  // the first failed try's output, to say why
  for (int i = 0; i < kTries; ++i) {
    auto [code, out] =
        run({"curl", "-sS", "--cacert", up.ca(), "--proxy", proxy, origin + "/index.html"});
    const bool curl_passed = code == 0 && out == "hello-over-tls\n";
    curl_ok += curl_passed;
    if (!curl_passed && failure.empty()) failure = "curl: " + out;
    // GIT_SSL_CAINFO, not http.sslCAInfo: a GIT_SSL_CAINFO in the
    // environment (as on CI machines) would win over the configuration.
    auto [git_code, refs] =
        run({"git", "-c", "http.proxy=" + proxy, "ls-remote", origin + "/repo.git"},
            {{"GIT_SSL_CAINFO", up.ca()}});
    const bool git_passed = git_code == 0 && refs.find("refs/heads/") != std::string::npos;
    git_ok += git_passed;
    if (!git_passed && failure.empty()) failure = "git: " + refs;
  }
  EXPECT_EQ(curl_ok, kTries) << failure;
  EXPECT_EQ(git_ok, kTries) << failure;

  // Debian's Python (3.11): urllib through the proxy, a new connection each time.
  const std::string script =
      "import ssl, sys, urllib.request\n"
      "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
      "opener = urllib.request.build_opener(urllib.request.ProxyHandler({'https': sys.argv[2]}),\n"
      "                                     urllib.request.HTTPSHandler(context=ctx))\n"
      "ok = 0\n"
      "for _ in range(int(sys.argv[4])):\n"
      "    try:\n"
      "        ok += opener.open(sys.argv[3], timeout=10).read() == b'hello-over-tls\\n'\n"
      "    except Exception as e:\n"
      "        print(repr(e), file=sys.stderr)\n"
      "print(ok)\n";
  auto [py_code, py_out] = run(
      {"python3", "-c", script, up.ca(), proxy, origin + "/index.html", std::to_string(kTries)});
  EXPECT_EQ(py_code, 0) << py_out;
  EXPECT_EQ(py_out, std::to_string(kTries) + "\n") << py_out;
}
