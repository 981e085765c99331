#include "hostname_exfiltration.hpp"

#include <cctype>
#include <cstdio>

#include "bottle/config/hostname_rules.hpp"
#include "bottle/secrets/entropy.hpp"

namespace pipelock {

namespace {

// The labels left of the registrable domain, and the registrable domain.
struct Split {
  std::vector<std::string_view> made_up;
  std::string_view domain;
};

Split split(std::string_view host) {
  Split out;
  const auto domain = bottle::config::registrable_domain(host);
  // A public suffix itself, or a name the list cannot place: nothing is made
  // up below a registrable domain.
  if (!domain || domain->size() > host.size()) return out;
  const std::size_t prefix = host.size() - domain->size();
  out.domain = host.substr(prefix);
  std::string_view rest = host.substr(0, prefix);
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    out.made_up.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return out;
}

bool hex_run(std::string_view label) {
  if (label.size() < HostnameExfiltrationCheck::kHexRunLength) return false;
  for (unsigned char c : label) {
    if (!std::isxdigit(c)) return false;
  }
  return true;
}

std::string bits(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

HostnameExfiltrationCheck::HostnameExfiltrationCheck(double threshold,
                                                     const std::vector<std::string>& exclusions)
    : threshold_(threshold), exclusions_(exclusions) {}

std::optional<std::string> HostnameExfiltrationCheck::refusal(std::string_view host) const {
  if (threshold_ <= 0 || exclusions_.allows(host)) return std::nullopt;
  const Split parts = split(host);
  if (parts.made_up.empty()) return std::nullopt;
  const std::string where = " below " + std::string(parts.domain);
  std::string joined;
  for (std::size_t i = 0; i < parts.made_up.size(); ++i) {
    const std::string_view label = parts.made_up[i];
    joined.append(label);
    const std::string which = "label " + std::to_string(i + 1) + " (" +
                              std::to_string(label.size()) + " characters)" + where;
    if (hex_run(label)) {
      return "subdomain entropy: " + which + " is a run of hex digits, as encoded data is";
    }
    const double e = bottle::secrets::shannon_entropy(label);
    if (e > threshold_) {
      return "subdomain entropy: " + which + " has " + bits(e) + " bits per character (threshold " +
             bits(threshold_) + ")";
    }
  }
  if (parts.made_up.size() > 1) {
    const double e = bottle::secrets::shannon_entropy(joined);
    if (e > threshold_ + kJoinedMargin) {
      return "subdomain entropy: the " + std::to_string(parts.made_up.size()) + " labels" + where +
             " (" + std::to_string(joined.size()) + " characters) have " + bits(e) +
             " bits per character together (threshold " + bits(threshold_ + kJoinedMargin) + ")";
    }
  }
  return std::nullopt;
}

std::string HostnameExfiltrationCheck::redacted(std::string_view host) {
  const Split parts = split(host);
  if (parts.made_up.empty()) return std::string(host);
  std::string out;
  for (const auto label : parts.made_up) {
    out += "<" + std::to_string(label.size()) + " chars>.";
  }
  out.append(parts.domain);
  return out;
}

}  // namespace pipelock
