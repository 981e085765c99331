// --listen reads the spellings every daemon reads (bottle::net): an IPv6
// address in brackets is listened on, anything else is refused with exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "process_harness.hpp"

using bottle_test::run;
using namespace std::chrono_literals;

namespace {

std::filesystem::path routes_file() {
  const auto dir = bottle_test::scratch_dir("egress-listen");
  std::ofstream(dir / "routes.yaml") << "routes:\n  - host: api.a.test\n    upstream: "
                                        "https://api.a.test\n    token_env: A_TOKEN\n";
  return dir / "routes.yaml";
}

}  // namespace

TEST(ListenFlag, AnIpv6AddressInBracketsIsListenedOn) {
  const auto routes = routes_file();
  bottle_test::Process egress({EGRESS_BIN, "--routes", routes.string(), "--listen", "[::1]:0"},
                              {"BOTTLE_TOKEN_A_TOKEN=test-token"});
  const auto line = egress.stderr_line_with("listening on ::1:", 20s);
  ASSERT_TRUE(line) << "egress did not listen on [::1]";
  const std::string port = line->substr(line->find("::1:") + 4);
  const auto [code, out] =
      run({"curl", "-sg", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: api.a.test",
           "http://[::1]:" + std::to_string(std::stoi(port)) + "/nothing"});
  EXPECT_NE(out, "000") << "no HTTP answer on [::1]: " << out;
  std::filesystem::remove_all(routes.parent_path());
}

TEST(ListenFlag, AnythingButAddressColonPortIsRefusedWithExit2SayingWhy) {
  const auto routes = routes_file();
  for (const char* bad : {"127.0.0.1:80x", "localhost:8080", "::1:8080", "8080"}) {
    const auto [code, out] = run({EGRESS_BIN, "--routes", routes.string(), "--listen", bad},
                                 {{"BOTTLE_TOKEN_A_TOKEN", "test-token"}});
    EXPECT_EQ(code, 2) << bad << ": " << out;
    EXPECT_NE(out.find("expected ADDRESS:PORT"), std::string::npos) << bad << ": " << out;
  }
  std::filesystem::remove_all(routes.parent_path());
}
