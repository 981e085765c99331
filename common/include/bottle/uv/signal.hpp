#pragma once

#include <functional>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Watches one signal for as long as the object lives.
class Signal {
 public:
  Signal(Loop& loop, int signum, std::function<void()> on_signal);
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

 private:
  OwnedHandle<uv_signal_t> handle_;
  std::function<void()> on_signal_;
};

}  // namespace bottle::uv
