#include "bottle/uv/timer.hpp"

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

Timer::Timer(Loop& loop) {
  check(uv_timer_init(loop.get(), handle_.get()), "uv_timer_init");
  handle_.mark_initialized(this);
}

void Timer::start(std::uint64_t delay_ms, std::function<void()> on_fire) {
  on_fire_ = std::move(on_fire);
  check(uv_timer_start(
            handle_.get(),
            [](uv_timer_t* h) {
              auto* self = owner_of<Timer>(h);
              if (self == nullptr) return;
              // Move out first: the callback may re-arm this timer or destroy its owner.
              auto fire = std::move(self->on_fire_);
              if (fire) guarded("timer", fire);
            },
            delay_ms, 0),
        "uv_timer_start");
}

void Timer::stop() {
  uv_timer_stop(handle_.get());
  on_fire_ = nullptr;
}

bool Timer::active() const { return uv_is_active(handle_.base()) != 0; }

}  // namespace bottle::uv
