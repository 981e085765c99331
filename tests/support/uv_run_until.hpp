#pragma once

// Runs a test's libuv loop until a condition holds, for at most 10 s.
#include <functional>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"

namespace bottle_test {

// Runs `loop` until `done` holds; false after 10 s without it.
inline bool run_until(bottle::uv::Loop& loop, const std::function<bool()>& done) {
  bool timed_out = false;
  bottle::uv::Timer deadline(loop);
  deadline.start(10'000, [&] { timed_out = true; });
  while (!done() && !timed_out) uv_run(loop.get(), UV_RUN_ONCE);
  return done();
}

}  // namespace bottle_test
