#include "live_edits.hpp"

#include <algorithm>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "pipelock_document.hpp"

namespace host_tools {

using bottle::config::ConfigError;

ConfigEdit edit_allowlist(const std::string& live, const std::string& source,
                          const HostListChange& change) {
  auto doc = PipelockDocument::parse(live, source);
  ConfigEdit edit;
  edit.before = doc.allowlist();
  doc.set_allowlist(change(doc.allowlist()));
  edit.new_text = doc.render();
  edit.after = PipelockDocument::parse(edit.new_text, source + " (as rewritten)").allowlist();
  return edit;
}

HostListChange set_hosts(std::vector<std::string> hosts) {
  return [hosts = std::move(hosts)](const std::vector<std::string>&) { return hosts; };
}

HostListChange add_hosts(std::vector<std::string> hosts) {
  return [hosts = std::move(hosts)](const std::vector<std::string>& current) {
    auto out = current;
    for (const auto& h : hosts) {
      if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
    }
    return out;
  };
}

HostListChange remove_hosts(std::vector<std::string> hosts) {
  return [hosts = std::move(hosts)](const std::vector<std::string>& current) {
    std::string absent;
    for (const auto& h : hosts) {
      if (std::find(current.begin(), current.end(), h) == current.end()) {
        absent += (absent.empty() ? "" : ", ") + h;
      }
    }
    if (!absent.empty()) throw ConfigError("not in the allowlist: " + absent);
    std::vector<std::string> out;
    for (const auto& h : current) {
      if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) out.push_back(h);
    }
    return out;
  };
}

std::vector<std::string> hosts_from_arguments(const std::vector<std::string>& args) {
  std::vector<std::string> hosts;
  for (const auto& a : args) {
    if (auto problem = bottle::config::hostname_problem(a, bottle::config::Wildcards::kAllowed)) {
      throw ConfigError("'" + a + "' " + *problem);
    }
    hosts.push_back(bottle::config::normalize_hostname(a));
  }
  return hosts;
}

ConfigEdit edit_routes(const std::string& live, const std::string& source,
                       const std::set<std::string>& known_tokens,
                       const std::function<void(RoutesDocument&)>& change) {
  auto doc = RoutesDocument::parse(live, source);
  ConfigEdit edit;
  std::set<std::string> tokens_before;
  for (const auto& r : doc.routes()) {
    edit.before.push_back(r.summary());
    tokens_before.insert(r.token_env);
  }
  change(doc);
  for (const auto& r : doc.routes()) {
    if (!known_tokens.count(r.token_env) && !tokens_before.count(r.token_env)) {
      throw ConfigError("route " + r.key() + " takes its token from $" + r.token_env +
                        ", which this bottle's bundle was not given at start; add a route "
                        "using it to the manifest and restart the bottle");
    }
  }
  edit.new_text = doc.render();
  const auto reread = RoutesDocument::parse(edit.new_text, source + " (as rewritten)");
  for (const auto& r : reread.routes()) edit.after.push_back(r.summary());
  return edit;
}

}  // namespace host_tools
