#pragma once

#include <uv.h>

namespace bottle::uv {

// Owns a uv loop. Handles owned elsewhere must be destroyed before the loop; the
// destructor then runs the loop once more so their close callbacks free them.
class Loop {
 public:
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  ~Loop();

  uv_loop_t* get() { return &loop_; }
  void run();
  void stop() { uv_stop(&loop_); }

 private:
  uv_loop_t loop_{};
};

}  // namespace bottle::uv
