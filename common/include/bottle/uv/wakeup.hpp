#pragma once

#include <functional>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Wakes the loop from another thread (uv_async_t): a worker that finished
// something calls wake(), and the loop runs the callback on its own thread,
// where everything else the result touches lives. Several wakes before the
// loop turns run the callback once: the callback takes everything that is
// ready, not one item.
class Wakeup {
 public:
  Wakeup(Loop& loop, std::function<void()> on_wake);
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  // Thread-safe. Not after the object is destroyed: its owner stops the
  // threads that call it first.
  void wake();

 private:
  OwnedHandle<uv_async_t> handle_;
  std::function<void()> on_wake_;
};

}  // namespace bottle::uv
