#include "bottle/uv/wakeup.hpp"

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

Wakeup::Wakeup(Loop& loop, std::function<void()> on_wake) : on_wake_(std::move(on_wake)) {
  check(uv_async_init(loop.get(), handle_.get(),
                      [](uv_async_t* async) {
                        auto* self = owner_of<Wakeup>(async);
                        if (self == nullptr) return;
                        guarded("wake-up callback", self->on_wake_);
                      }),
        "uv_async_init");
  handle_.mark_initialized(this);
}

void Wakeup::wake() { uv_async_send(handle_.get()); }

}  // namespace bottle::uv
