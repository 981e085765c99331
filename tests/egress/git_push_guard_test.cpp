#include "git_push_guard.hpp"

#include <gtest/gtest.h>

using namespace egress;

namespace {

bool push(const std::string& target) {
  std::string problem;
  auto t = parse_agent_target(target, &problem);
  EXPECT_TRUE(t) << target << ": " << problem;
  return t && is_git_push(*t);
}

// A push spelling is stopped either way: refused as not canonical (400)
// before any route is looked up, or refused as a push (403).
bool stopped(const std::string& target) {
  std::string problem;
  auto t = parse_agent_target(target, &problem);
  return !t || is_git_push(*t);
}

}  // namespace

TEST(GitPushGuard, EveryFormOfThePushProtocolIsCaught) {
  for (const char* t : {
           "/github.com/o/r.git/info/refs?service=git-receive-pack",
           "/github.com/o/r/info/refs?service=git-receive-pack",
           "/github.com/o/r.git/git-receive-pack",
           "/github.com/o/r/git-receive-pack",
           "/github.com/o/r.git/git-receive-pack/",
           "/github.com/o/r.git/GIT-RECEIVE-PACK",
           "/github.com/o/r.git/info/refs?x=1&service=git-receive-pack",
           "/github.com/o/r.git/info/refs?x=1;service=git-receive-pack",
           "/github.com/o/r.git/info/refs/?service=git-receive-pack",
           "/github.com/o/r.git/info/refs?service=GIT-RECEIVE-PACK",
           "/github.com/o/r.git/info/refs?service%3Dgit-receive-pack",
       }) {
    EXPECT_TRUE(push(t)) << t;
  }
  for (const char* t : {
           "/github.com/o/r.git/git%2Dreceive%2Dpack",
           "/github.com/o/r.git/info/refs?service=git%2dreceive%2dpack",
           "/github.com/o/r.git/info/refs?service=git%252Dreceive-pack",
           "/github.com/o/r.git/git-receive-pack#x",
           "/github.com/o/r.git/git-receive-pack;x=1",
           "/github.com/o/r.git/git-receive-pack%3Bx=1",
           "/github.com/o/r.git/git-receive-pack%00",
           "/github.com/o/r.git/git-receive-pack%20",
           "/github.com/o/r.git/git-receive-pack.",
           "/github.com/o/r.git\\git-receive-pack",
           "/github.com/o/r.git%5Cgit-receive-pack",
       }) {
    EXPECT_TRUE(stopped(t)) << t;
  }
}

TEST(GitPushGuard, FetchAndOrdinaryRequestsPass) {
  for (const char* t : {
           "/github.com/o/r.git/info/refs?service=git-upload-pack",
           "/github.com/o/r.git/git-upload-pack",
           "/github.com/o/r.git/info/refs",
           "/github.com/o/git-receive-pack-docs/README.md",
           "/api.github.com/search?q=git-receive-pack",
           "/github.com/o/r.git/HEAD",
       }) {
    EXPECT_FALSE(push(t)) << t;
  }
}

TEST(GitPushGuard, TheRefusalPointsAtGitGate) {
  EXPECT_NE(git_push_refusal_body().find("git://git-gate:9418/"), std::string::npos);
}
