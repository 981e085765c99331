#include "bottle/uv/next_turn.hpp"

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

NextTurn::NextTurn(Loop& loop) {
  check(uv_idle_init(loop.get(), handle_.get()), "uv_idle_init");
  handle_.mark_initialized(this);
}

void NextTurn::schedule(std::function<void()> fn) {
  fn_ = std::move(fn);
  if (uv_is_active(handle_.base())) return;
  check(uv_idle_start(handle_.get(),
                      [](uv_idle_t* idle) {
                        uv_idle_stop(idle);
                        auto* self = owner_of<NextTurn>(idle);
                        if (self == nullptr || !self->fn_) return;
                        auto fn = std::move(self->fn_);
                        self->fn_ = nullptr;
                        guarded("deferred callback", fn);  // may destroy this object
                      }),
        "uv_idle_start");
}

void NextTurn::cancel() {
  fn_ = nullptr;
  uv_idle_stop(handle_.get());
}

}  // namespace bottle::uv
