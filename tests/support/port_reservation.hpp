#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace bottle_test {

// A TCP port for a test to hand to a daemon it starts. Binding port 0 and
// closing it raced under `ctest -j`: the kernel hands the same ephemeral
// port to the next bind of any process, another test's included. These come
// from below the kernel's ephemeral range, in turn from one counter every
// test process shares (a file under flock), and each is checked free.
inline int reserve_tcp_port() {
  int low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> low;
  const int first = 10000, span = low - first;
  if (span < 1000) throw std::runtime_error("no port range below the ephemeral ports");
  const int fd = ::open("/tmp/bottle-test-ports", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) throw std::runtime_error("cannot lock the port counter");
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  long next = n > 0 ? std::strtol(text, nullptr, 10) : 0;
  int port = 0;
  for (int tries = 0; tries < span && port == 0; ++tries, ++next) {
    const int candidate = first + static_cast<int>(next % span);
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(candidate));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) port = candidate;
    ::close(s);
  }
  const std::string saved = std::to_string(next);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, saved.data(), saved.size(), 0) < 0) port = 0;
  ::close(fd);  // and with it the lock
  if (port == 0) throw std::runtime_error("no free TCP port below the ephemeral range");
  return port;
}

}  // namespace bottle_test
