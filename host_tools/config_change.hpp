#pragma once

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "bottle_paths.hpp"
#include "docker_cli.hpp"

namespace host_tools {

// A change could not be applied for a reason outside the config itself (the
// bundle is not running, the signal failed). The live file is as it was.
class ApplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What an edit of the live text produced: the new text, and the items (hosts,
// route summaries) before and after, for the difference shown to the operator.
struct ConfigEdit {
  std::string new_text;
  std::vector<std::string> before;
  std::vector<std::string> after;
};

// One live config and how its daemon learns of a change.
struct LiveConfig {
  std::string what;  // "pipelock allowlist", "egress routes"
  std::filesystem::path file;
  std::string signal;  // for `docker kill --signal`
  std::string effect;  // what the signal does, for the message
};

LiveConfig pipelock_allowlist(const BottlePaths& paths);
LiveConfig egress_routes(const BottlePaths& paths);

// The config change protocol of DESIGN.md: take the bottle's apply lock, make
// sure the bundle runs, read the live file and let `edit` change it (a
// ConfigError from `edit` stops here), write the result atomically, signal the
// bundle, print the difference, record it in the audit log. When the signal
// fails the previous file is put back, so the file always says what runs.
void apply_config_change(const BottlePaths& paths, const LiveConfig& config,
                         const std::function<ConfigEdit(const std::string&)>& edit,
                         const DockerCli& docker, std::ostream& out);

}  // namespace host_tools
