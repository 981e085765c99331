#include "bottle/uv/signal.hpp"

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

Signal::Signal(Loop& loop, int signum, std::function<void()> on_signal)
    : on_signal_(std::move(on_signal)) {
  check(uv_signal_init(loop.get(), handle_.get()), "uv_signal_init");
  handle_.mark_initialized(this);
  check(uv_signal_start(
            handle_.get(),
            [](uv_signal_t* h, int) {
              if (auto* self = owner_of<Signal>(h)) guarded("signal handler", self->on_signal_);
            },
            signum),
        "uv_signal_start");
}

}  // namespace bottle::uv
