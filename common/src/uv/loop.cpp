#include "bottle/uv/loop.hpp"

#include "bottle/uv/handle.hpp"

namespace bottle::uv {

Loop::Loop() { check(uv_loop_init(&loop_), "uv_loop_init"); }

Loop::~Loop() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void Loop::run() { uv_run(&loop_, UV_RUN_DEFAULT); }

}  // namespace bottle::uv
