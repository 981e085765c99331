#include "live_routes.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"

using namespace egress;
namespace fs = std::filesystem;

namespace {

class LiveRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "live-routes-XXXXXX").string();
    ASSERT_TRUE(::mkdtemp(pattern.data()));
    dir_ = pattern;
    write("routes:\n  - {host: a.com, upstream: 'https://a', token_env: T}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(path()) << text; }
  std::string path() const { return (dir_ / "routes.yaml").string(); }

  fs::path dir_;
  TokenStore tokens_{{{"T", "tok"}}};
};

}  // namespace

TEST_F(LiveRoutesTest, AGoodFileReplacesTheRoutesForWhatComesNext) {
  LiveRoutes live(path(), tokens_);
  const auto before = live.current();
  write("routes:\n  - {host: b.com, upstream: 'https://b', token_env: T}\n");
  const auto outcome = live.reload();
  EXPECT_TRUE(outcome.applied);
  EXPECT_NE(outcome.message.find("1 routes in force"), std::string::npos);
  EXPECT_TRUE(live.current()->match("b.com", "/"));
  EXPECT_FALSE(live.current()->match("a.com", "/"));
  // A request that took the old table still has it, unchanged.
  EXPECT_TRUE(before->match("a.com", "/"));
}

TEST_F(LiveRoutesTest, ABadFileLeavesTheCurrentRoutesInForce) {
  LiveRoutes live(path(), tokens_);
  const auto before = live.current();
  write("routes:\n  - {host: b.com, upstream: 'http://b', token_env: T}\n");
  const auto outcome = live.reload();
  EXPECT_FALSE(outcome.applied);
  EXPECT_NE(outcome.message.find("keeping the 1 routes in force"), std::string::npos);
  EXPECT_NE(outcome.message.find(path() + ":2: route 1: key 'upstream'"), std::string::npos)
      << outcome.message;
  EXPECT_EQ(live.current(), before);
}

TEST_F(LiveRoutesTest, APartlyWrittenFileLeavesTheCurrentRoutesInForce) {
  LiveRoutes live(path(), tokens_);
  const auto before = live.current();
  write("routes:\n  - {host: b.com, upstream: 'https://b',");  // cut off mid-route
  EXPECT_FALSE(live.reload().applied);
  write("");
  EXPECT_FALSE(live.reload().applied);
  fs::remove(path());
  const auto gone = live.reload();
  EXPECT_FALSE(gone.applied);
  EXPECT_NE(gone.message.find("cannot open"), std::string::npos) << gone.message;
  EXPECT_EQ(live.current(), before);
}

TEST_F(LiveRoutesTest, TheFirstLoadOfABadFileIsAnError) {
  write("routes: nope\n");
  EXPECT_THROW(LiveRoutes(path(), tokens_), bottle::config::ConfigError);
}
