#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bottle/config/route.hpp"
#include "config_change.hpp"
#include "routes_document.hpp"

// The edits `bottle pipelock` and `bottle routes` make to a live file's text.
// Each parses the live text, changes only its part, renders, and parses the
// result again, so what is written is known to read back. Any ConfigError
// leaves the caller with nothing to write.
namespace host_tools {

using HostListChange = std::function<std::vector<std::string>(const std::vector<std::string>&)>;
ConfigEdit edit_allowlist(const std::string& live, const std::string& source,
                          const HostListChange& change);

HostListChange set_hosts(std::vector<std::string> hosts);
HostListChange add_hosts(std::vector<std::string> hosts);
// Throws ConfigError naming any host that is not in the list.
HostListChange remove_hosts(std::vector<std::string> hosts);
// Hosts given as command-line arguments, checked and normalised.
std::vector<std::string> hosts_from_arguments(const std::vector<std::string>& args);

// `known_tokens` are the token variables the running bundle was given; a
// route that needs another one could never inject its token, so it is refused.
ConfigEdit edit_routes(const std::string& live, const std::string& source,
                       const std::set<std::string>& known_tokens,
                       const std::function<void(RoutesDocument&)>& change);

}  // namespace host_tools
