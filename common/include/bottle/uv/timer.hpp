#pragma once

#include <cstdint>
#include <functional>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// A one-shot timer that can be re-armed; stopping or destroying it cancels the callback.
class Timer {
 public:
  explicit Timer(Loop& loop);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(std::uint64_t delay_ms, std::function<void()> on_fire);
  void stop();
  bool active() const;

 private:
  OwnedHandle<uv_timer_t> handle_;
  std::function<void()> on_fire_;
};

}  // namespace bottle::uv
