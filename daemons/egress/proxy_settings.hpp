#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace egress {

// Where egress's upstream connections go first: the CONNECT proxy named by
// HTTPS_PROXY (pipelock, in the bundle), except for hosts NO_PROXY exempts.
class ProxySettings {
 public:
  struct Proxy {
    std::string host;
    int port = 0;
  };

  // From the values of HTTPS_PROXY (or https_proxy) and NO_PROXY (or
  // no_proxy); throws std::invalid_argument naming the variable and value
  // when HTTPS_PROXY is not http://host[:port][/].
  static ProxySettings parse(std::string_view https_proxy, std::string_view no_proxy);
  static ProxySettings from_environment();

  // The proxy to reach `host` through, or nothing to dial it directly.
  std::optional<Proxy> proxy_for(std::string_view host) const;
  std::string describe() const;

 private:
  std::optional<Proxy> proxy_;
  std::vector<std::string> no_proxy_;
};

}  // namespace egress
