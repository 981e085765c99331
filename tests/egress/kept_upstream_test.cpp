#include "kept_upstream.hpp"

#include <gtest/gtest.h>

#include "bottle/uv/loop.hpp"

using namespace egress;
using Clock = KeptUpstream::Clock;
using namespace std::chrono_literals;

namespace {

// Channels that are never opened: what KeptUpstream decides needs no network.
class KeptUpstreamTest : public ::testing::Test {
 protected:
  std::unique_ptr<UpstreamChannel> channel(const std::string& host) {
    return std::make_unique<UpstreamChannel>(loop_, tls_, proxies_, host, 443,
                                             UpstreamChannel::Callbacks{});
  }
  bottle::uv::Loop loop_;
  bottle::tls::ClientContext tls_{{}};
  ProxySettings proxies_;
  KeptUpstream kept_;
  Clock::time_point t0_ = Clock::now();
};

}  // namespace

TEST_F(KeptUpstreamTest, AFitChannelIsReusedForTheSameUpstreamWithinTheReuseWindow) {
  UpstreamChannel& first = kept_.adopt("a:443", channel("a"));
  EXPECT_TRUE(kept_.in_use());
  kept_.release(true, t0_);
  EXPECT_TRUE(kept_.idle());
  kept_.new_request();
  EXPECT_EQ(kept_.reuse_for("a:443", t0_ + 3s), &first);
  EXPECT_TRUE(kept_.reused());
  EXPECT_TRUE(kept_.in_use());
}

TEST_F(KeptUpstreamTest, AChannelIsNotReusedForAnotherUpstreamStaleOrUnfitAndIsClosed) {
  kept_.adopt("a:443", channel("a"));
  kept_.release(true, t0_);
  EXPECT_EQ(kept_.reuse_for("b:443", t0_), nullptr);
  EXPECT_EQ(kept_.channel(), nullptr);

  kept_.adopt("a:443", channel("a"));
  kept_.release(true, t0_);
  EXPECT_EQ(kept_.reuse_for("a:443", t0_ + KeptUpstream::kReuseWithin), nullptr);
  EXPECT_EQ(kept_.channel(), nullptr);

  kept_.adopt("a:443", channel("a"));
  kept_.release(false, t0_);
  EXPECT_NE(kept_.channel(),
            nullptr);  // release never closes (it may run in the channel's callback)
  kept_.close_if_unfit();
  EXPECT_EQ(kept_.channel(), nullptr);
}

TEST_F(KeptUpstreamTest, AChannelSpoiledWhileIdleIsNeverReused) {
  kept_.adopt("a:443", channel("a"));
  kept_.release(true, t0_);
  kept_.spoil();
  EXPECT_EQ(kept_.reuse_for("a:443", t0_), nullptr);
}

TEST_F(KeptUpstreamTest, OnlyABodylessRequestOnAReusedChannelIsRetriedAndOnlyOnce) {
  kept_.adopt("a:443", channel("a"));
  kept_.new_request();
  EXPECT_FALSE(kept_.may_retry(false, false));  // a new channel failed: nothing to blame but it
  kept_.release(true, t0_);
  kept_.new_request();
  ASSERT_TRUE(kept_.reuse_for("a:443", t0_));
  EXPECT_FALSE(kept_.may_retry(true, false));  // the agent has part of an answer
  EXPECT_FALSE(kept_.may_retry(false, true));  // a body cannot be sent again
  EXPECT_TRUE(kept_.may_retry(false, false));
  kept_.retrying();
  EXPECT_EQ(kept_.channel(), nullptr);
  kept_.adopt("a:443", channel("a"));
  EXPECT_FALSE(kept_.may_retry(false, false));
}
