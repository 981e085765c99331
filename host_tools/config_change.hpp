#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
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

// What a caller adds around one apply: a proposal being approved checks it is
// still pending under the same lock, and records its decision once applied.
struct ApplyContext {
  // Runs under the apply lock, before the live file is read; throws to stop.
  std::function<void()> precheck;
  // Runs under the lock once the change is live, or found in place already.
  std::function<void()> on_applied;
  // Extra fields for the audit line.
  nlohmann::json audit = nlohmann::json::object();
};

// The config change protocol of docs/architecture.md: take the bottle's apply lock, make
// sure the bundle runs, read the live file and let `edit` change it (a
// ConfigError from `edit` stops here), write the result atomically, signal the
// bundle, print the difference, record it in the audit log. When the signal
// fails the previous file is put back, so the file always says what runs.
void apply_config_change(const BottlePaths& paths, const LiveConfig& config,
                         const std::function<ConfigEdit(const std::string&)>& edit,
                         const DockerCli& docker, std::ostream& out,
                         const ApplyContext& context = {});

// The operator's name for audit lines: $SUDO_USER, $USER, $LOGNAME, else the uid.
std::string operator_name();
// Appends one JSON line (with time, operator and bottle added) to the audit log;
// O_APPEND keeps concurrent lines whole.
void append_audit(const BottlePaths& paths, nlohmann::json fields);

}  // namespace host_tools
