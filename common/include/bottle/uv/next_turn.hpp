#pragma once

#include <functional>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Runs a callback once, early in the next loop turn (the loop does not wait
// for I/O before it): for work deferred out of a callback, or spread over
// turns so one busy source cannot starve the others. Costs nothing while
// nothing is scheduled.
class NextTurn {
 public:
  explicit NextTurn(Loop& loop);
  NextTurn(const NextTurn&) = delete;
  NextTurn& operator=(const NextTurn&) = delete;

  // Scheduling again before it ran replaces the callback.
  void schedule(std::function<void()> fn);
  void cancel();
  bool scheduled() const { return static_cast<bool>(fn_); }

 private:
  OwnedHandle<uv_idle_t> handle_;
  std::function<void()> fn_;
};

}  // namespace bottle::uv
