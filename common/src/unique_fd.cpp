#include "bottle/unique_fd.hpp"

#include <fcntl.h>

#include <cerrno>
#include <system_error>

namespace bottle {

PipeFds make_cloexec_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  return PipeFds{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace bottle
