#include "fd_reserve.hpp"

#include <fcntl.h>

namespace supervisor {

FdReserve::FdReserve(int count) : count_(count) { refill(); }

void FdReserve::release() { fds_.clear(); }

void FdReserve::refill() {
  while (static_cast<int>(fds_.size()) < count_) {
    bottle::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return;  // short now; the next spawn refills what it can
    fds_.push_back(std::move(fd));
  }
}

}  // namespace supervisor
