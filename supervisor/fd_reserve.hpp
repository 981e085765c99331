#pragma once

#include <vector>

#include "bottle/unique_fd.hpp"

namespace supervisor {

// A few fds held back (on /dev/null) and let go of just before a daemon is
// spawned: whatever else uses up the supervisor's fd limit (a flood of
// control connections, a leak), starting a daemon (three pipes, /dev/null,
// the fds the child moves) never fails for want of one.
class FdReserve {
 public:
  explicit FdReserve(int count);
  // Frees the reserve for the duration of one spawn, then takes it back.
  template <class F>
  auto with_released(F&& fn) {
    release();
    struct Refill {
      FdReserve& r;
      ~Refill() { r.refill(); }
    } refill{*this};
    return fn();
  }

 private:
  void release();
  void refill();

  int count_;
  std::vector<bottle::UniqueFd> fds_;
};

}  // namespace supervisor
