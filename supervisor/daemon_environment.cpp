#include "daemon_environment.hpp"

#include <unistd.h>

#include <map>

namespace supervisor {

namespace {
bool inherits(const DaemonSpec& spec, const std::string& name) {
  for (const auto& pattern : spec.inherit_env) {
    if (!pattern.empty() && pattern.back() == '*') {
      if (name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0) return true;
    } else if (pattern == name) {
      return true;
    }
  }
  return false;
}
}  // namespace

std::vector<std::string> daemon_environment(const DaemonSpec& spec,
                                            const std::optional<RunAs>& run_as,
                                            const std::vector<std::string>& supervisor_env) {
  std::map<std::string, std::string> env;
  env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& entry : supervisor_env) {
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    if (name == "PATH" || inherits(spec, name)) env[name] = entry.substr(eq + 1);
  }
  if (run_as) {
    env["HOME"] = run_as->home;
    env["USER"] = run_as->name;
    env["LOGNAME"] = run_as->name;
  }
  for (const auto& [k, v] : spec.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace supervisor
