#include "apply_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <ostream>
#include <system_error>

namespace host_tools {

ApplyLock::ApplyLock(const std::filesystem::path& lock_file, std::ostream& notices,
                     const char* waiting)
    : fd_(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_.valid()) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + lock_file.string());
  }
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return;
  if (errno != EWOULDBLOCK) {
    throw std::system_error(errno, std::generic_category(), "cannot lock " + lock_file.string());
  }
  notices << waiting;
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "cannot lock " + lock_file.string());
    }
  }
}

}  // namespace host_tools
