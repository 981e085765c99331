#include "daemon_selection.hpp"

#include <algorithm>
#include <set>

#include "bottle/text/join.hpp"
#include "config_error.hpp"

namespace supervisor {

namespace {
std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string valid_names(const Registry& registry) {
  return bottle::text::join(registry.names(), ", ");
}
}  // namespace

std::vector<const DaemonSpec*> select_daemons(const Registry& registry,
                                              const std::optional<std::string>& selection) {
  std::vector<const DaemonSpec*> out;
  if (!selection) {
    for (const auto& d : registry.daemons) out.push_back(&d);
    return out;
  }
  std::set<std::string> wanted;
  size_t start = 0;
  while (start <= selection->size()) {
    size_t comma = selection->find(',', start);
    if (comma == std::string::npos) comma = selection->size();
    std::string name = trim(selection->substr(start, comma - start));
    if (!name.empty()) {
      if (registry.find(name) == nullptr) {
        throw ConfigError("CLAUDE_BOTTLE_SIDECAR_DAEMONS names unknown daemon '" + name +
                          "' (valid: " + valid_names(registry) + ")");
      }
      wanted.insert(name);
    }
    start = comma + 1;
  }
  if (wanted.empty()) {
    throw ConfigError("CLAUDE_BOTTLE_SIDECAR_DAEMONS selects no daemon (valid: " +
                      valid_names(registry) + "); unset it to run them all");
  }
  for (const auto& d : registry.daemons) {
    if (wanted.count(d.name)) out.push_back(&d);
  }
  return out;
}

}  // namespace supervisor
