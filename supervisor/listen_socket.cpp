#include "listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace supervisor {

bottle::UniqueFd open_listen_socket(const ListenSocket& s) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  const bool v6 = s.host.find(':') != std::string::npos;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(s.tcp_port));
    inet_pton(AF_INET6, s.host.c_str(), &in6->sin6_addr);
    len = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(s.tcp_port));
    inet_pton(AF_INET, s.host.c_str(), &in->sin_addr);
    len = sizeof *in;
  }
  const std::string where = (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.tcp_port);
  // Close-on-exec here; the launcher places it at fd 3 of the daemon alone.
  bottle::UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "socket for " + where);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
    throw std::system_error(errno, std::generic_category(), "bind " + where);
  if (::listen(fd.get(), s.backlog) != 0)
    throw std::system_error(errno, std::generic_category(), "listen on " + where);
  return fd;
}

}  // namespace supervisor
