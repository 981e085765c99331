// The libuv wrappers' lifetime promises, which every daemon's connection
// handling leans on: a connection ended from inside its own callback lives
// until the next loop turn; a handle outlives its owner until libuv's close
// callback frees it; a stopped or destroyed timer never fires.
#include <gtest/gtest.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "bottle/uv/connection_set.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"
#include "bottle/uv/wakeup.hpp"

namespace {

using bottle::uv::ConnectionSet;
using bottle::uv::Loop;
using bottle::uv::OwnedHandle;
using bottle::uv::Timer;

// Runs one turn of the loop without waiting for I/O.
void one_turn(Loop& loop) { uv_run(loop.get(), UV_RUN_NOWAIT); }

struct Tracked {
  Tracked(ConnectionSet<Tracked>& set, std::uint64_t id, bool& destroyed)
      : set(set), id(id), destroyed(destroyed) {}
  ~Tracked() { destroyed = true; }
  void abort(const std::string& why) {
    last_why = why;
    set.release(id);
  }
  ConnectionSet<Tracked>& set;
  std::uint64_t id;
  bool& destroyed;
  std::string last_why;
};

TEST(ConnectionSet, AConnectionReleasedInItsOwnCallbackLivesUntilTheNextLoopTurn) {
  Loop loop;
  ConnectionSet<Tracked> set(loop);
  bool destroyed = false;
  const auto id = set.next_id();
  Tracked& c = set.add(id, std::make_unique<Tracked>(set, id, destroyed));
  c.abort("peer closed");  // as a read callback ending its connection would
  EXPECT_FALSE(destroyed) << "destroyed while its own callback was still running";
  EXPECT_EQ(c.last_why, "peer closed");  // still valid memory
  EXPECT_EQ(set.size(), 0u);
  one_turn(loop);
  EXPECT_TRUE(destroyed);
}

TEST(ConnectionSet, WhenEmptyWaitsForTheLastConnectionToBeDestroyed) {
  Loop loop;
  ConnectionSet<Tracked> set(loop);
  bool first_gone = false, second_gone = false, idle = false;
  const auto a = set.next_id();
  set.add(a, std::make_unique<Tracked>(set, a, first_gone));
  const auto b = set.next_id();
  set.add(b, std::make_unique<Tracked>(set, b, second_gone));
  set.when_empty([&] { idle = true; });
  set.release(a);
  one_turn(loop);
  EXPECT_TRUE(first_gone);
  EXPECT_FALSE(idle) << "one connection is still open";
  set.release(b);
  EXPECT_FALSE(idle) << "the last connection has not been destroyed yet";
  one_turn(loop);
  EXPECT_TRUE(second_gone);
  EXPECT_TRUE(idle);
}

TEST(ConnectionSet, ReleasingAnUnknownOrAlreadyReleasedIdIsHarmless) {
  Loop loop;
  ConnectionSet<Tracked> set(loop);
  bool destroyed = false;
  const auto id = set.next_id();
  set.add(id, std::make_unique<Tracked>(set, id, destroyed));
  set.release(id);
  set.release(id);
  set.release(9999);
  one_turn(loop);
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(set.size(), 0u);
}

// An owner of a libuv handle, as every wrapper is.
struct HandleOwner {
  explicit HandleOwner(Loop& loop) {
    bottle::uv::check(uv_timer_init(loop.get(), handle.get()), "uv_timer_init");
    handle.mark_initialized(this);
  }
  OwnedHandle<uv_timer_t> handle;
};

TEST(OwnedHandle, AnOwnerDestroyedBeforeTheCloseCallbackLeavesTheHandleToLibuv) {
  // Under ASan a handle freed by its owner, before libuv's close callback
  // touched it, is a use after free; one never closed keeps the loop busy.
  auto loop = std::make_unique<Loop>();
  auto owner = std::make_unique<HandleOwner>(*loop);
  uv_timer_start(
      owner->handle.get(), [](uv_timer_t*) {}, 0, 0);
  owner.reset();  // close requested; its callback runs on the next turn
  one_turn(*loop);
  EXPECT_EQ(uv_loop_alive(loop->get()), 0) << "a handle was left open";
  EXPECT_EQ(uv_loop_close(loop->get()), 0) << "the loop still holds a handle";
  uv_loop_init(loop->get());  // Loop's destructor closes it again
}

TEST(OwnedHandle, ACallbackAlreadyDueFindsNoOwnerOnceItHasGone) {
  Loop loop;
  auto owner = std::make_unique<HandleOwner>(loop);
  uv_timer_t* raw = owner->handle.get();
  EXPECT_EQ(bottle::uv::owner_of<HandleOwner>(raw), owner.get());
  owner->handle.close();
  EXPECT_EQ(bottle::uv::owner_of<HandleOwner>(raw), nullptr);
  owner.reset();
  one_turn(loop);
}

TEST(Timer, AStoppedTimerNeverFires) {
  Loop loop;
  Timer timer(loop);
  int fired = 0;
  timer.start(0, [&] { ++fired; });
  timer.stop();
  EXPECT_FALSE(timer.active());
  loop.run();
  EXPECT_EQ(fired, 0);
}

TEST(Timer, ATimerStoppedByAnotherDueInTheSameTurnNeverFires) {
  Loop loop;
  Timer first(loop), second(loop);
  int second_fired = 0;
  // Both are due at once; whichever runs first stops the other.
  first.start(0, [&] { second.stop(); });
  second.start(0, [&] {
    ++second_fired;
    first.stop();
  });
  loop.run();
  // libuv runs timers of equal due time in start order.
  EXPECT_EQ(second_fired, 0);
}

TEST(Timer, ATimerDestroyedBeforeItIsDueNeverFires) {
  Loop loop;
  int fired = 0;
  auto timer = std::make_unique<Timer>(loop);
  timer->start(0, [&] { ++fired; });
  timer.reset();
  loop.run();
  EXPECT_EQ(fired, 0);
}

TEST(Timer, ACallbackMayDestroyItsOwnTimer) {
  Loop loop;
  auto timer = std::make_unique<Timer>(loop);
  int fired = 0;
  timer->start(0, [&] {
    ++fired;
    timer.reset();
  });
  loop.run();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(timer, nullptr);
}

TEST(Timer, ACallbackMayRearmItsTimer) {
  Loop loop;
  Timer timer(loop);
  int fired = 0;
  std::function<void()> again = [&] {
    if (++fired < 3) timer.start(0, again);
  };
  timer.start(0, again);
  loop.run();
  EXPECT_EQ(fired, 3);
}

}  // namespace

namespace {

TEST(Wakeup, AWakeFromAnotherThreadRunsTheCallbackOnTheLoopsThread) {
  bottle::uv::Loop loop;
  std::thread::id ran_on;
  int runs = 0;
  {
    bottle::uv::Wakeup wakeup(loop, [&] {
      ran_on = std::this_thread::get_id();
      ++runs;
      loop.stop();
    });
    std::thread other([&] {
      for (int i = 0; i < 100; ++i) wakeup.wake();
    });
    other.join();
    loop.run();
  }
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  // Wakes before the loop turns are one callback: it takes all that is ready.
  EXPECT_EQ(runs, 1);
}

}  // namespace
