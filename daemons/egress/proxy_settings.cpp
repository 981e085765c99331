#include "proxy_settings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "bottle/text/ascii.hpp"

namespace egress {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const char* env_either(const char* upper, const char* lower_name) {
  if (const char* v = std::getenv(upper); v && *v) return v;
  if (const char* v = std::getenv(lower_name); v && *v) return v;
  return "";
}

}  // namespace

ProxySettings ProxySettings::parse(std::string_view https_proxy, std::string_view no_proxy) {
  ProxySettings s;
  https_proxy = trimmed(https_proxy);
  if (!https_proxy.empty()) {
    auto bad = [&](const char* why) {
      return std::invalid_argument("HTTPS_PROXY='" + std::string(https_proxy) + "': " + why);
    };
    std::string_view rest = https_proxy;
    if (rest.starts_with("http://")) {
      rest.remove_prefix(7);
    } else if (rest.find("://") != std::string_view::npos) {
      throw bad("only an http:// proxy is supported (CONNECT over plain TCP)");
    }
    while (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.empty() || rest.find_first_of("/@?#") != std::string_view::npos) {
      throw bad("must be http://host[:port]");
    }
    Proxy p;
    p.port = 80;
    std::string_view host = rest;
    if (std::size_t colon = rest.rfind(':');
        colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
      host = rest.substr(0, colon);
      const std::string_view port = rest.substr(colon + 1);
      auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p.port);
      if (ec != std::errc() || end != port.data() + port.size() || p.port < 1 || p.port > 65535) {
        throw bad("bad port");
      }
    }
    if (host.empty()) throw bad("no host");
    p.host = std::string(host);
    s.proxy_ = p;
  }
  std::size_t start = 0;
  const std::string list = bottle::text::ascii_lower(no_proxy);
  for (;;) {
    const std::size_t end = list.find(',', start);
    std::string_view entry = trimmed(std::string_view(list).substr(
        start, end == std::string::npos ? std::string::npos : end - start));
    if (std::size_t colon = entry.find(':'); colon != std::string_view::npos) {
      entry = entry.substr(0, colon);  // a port in NO_PROXY does not narrow it here
    }
    while (entry.starts_with('.') || entry.starts_with("*.")) {
      entry.remove_prefix(entry.starts_with('.') ? 1 : 2);
    }
    if (!entry.empty()) s.no_proxy_.emplace_back(entry);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return s;
}

ProxySettings ProxySettings::from_environment() {
  return parse(env_either("HTTPS_PROXY", "https_proxy"), env_either("NO_PROXY", "no_proxy"));
}

std::optional<ProxySettings::Proxy> ProxySettings::proxy_for(std::string_view host) const {
  if (!proxy_) return std::nullopt;
  const std::string h = bottle::text::ascii_lower(host);
  for (const auto& entry : no_proxy_) {
    if (entry == "*" || h == entry ||
        (h.size() > entry.size() && h.ends_with(entry) && h[h.size() - entry.size() - 1] == '.')) {
      return std::nullopt;
    }
  }
  return proxy_;
}

std::string ProxySettings::describe() const {
  if (!proxy_) return "direct (no HTTPS_PROXY)";
  return "through " + proxy_->host + ":" + std::to_string(proxy_->port);
}

}  // namespace egress
