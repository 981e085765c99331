#include "config_change.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <system_error>

#include "apply_lock.hpp"
#include "bottle/config/atomic_file.hpp"
#include "bottle/unique_fd.hpp"
#include "bottle/utc_time.hpp"

namespace host_tools {

namespace {

std::vector<std::string> missing_from(const std::vector<std::string>& a,
                                      const std::vector<std::string>& b) {
  std::set<std::string> in_b(b.begin(), b.end());
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!in_b.count(x)) out.push_back(x);
  }
  return out;
}

}  // namespace

std::string operator_name() {
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(var); v && *v) return v;
  }
  return "uid " + std::to_string(::getuid());
}

void append_audit(const BottlePaths& paths, nlohmann::json fields) {
  nlohmann::json line = {
      {"time", bottle::utc_timestamp()}, {"operator", operator_name()}, {"bottle", paths.slug()}};
  line.update(fields);
  const std::string text = line.dump() + "\n";
  bottle::UniqueFd fd(
      ::open(paths.audit_log().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open the audit log " + paths.audit_log().string());
  }
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot write the audit log " + paths.audit_log().string());
  }
}

LiveConfig pipelock_allowlist(const BottlePaths& paths) {
  return {"pipelock allowlist", paths.pipelock_config(), "USR1",
          "the supervisor restarts pipelock, which reads the new list"};
}

LiveConfig egress_routes(const BottlePaths& paths) {
  return {"egress routes", paths.routes_config(), "HUP", "egress reloads its routes in place"};
}

void apply_config_change(const BottlePaths& paths, const LiveConfig& config,
                         const std::function<ConfigEdit(const std::string&)>& edit,
                         const DockerCli& docker, std::ostream& out, const ApplyContext& context) {
  ApplyLock lock(paths.apply_lock(), out);
  if (context.precheck) context.precheck();
  const std::string container = paths.sidecars_container();
  const std::string live = bottle::config::read_file(config.file);
  const ConfigEdit change = edit(live);
  const auto added = missing_from(change.after, change.before);
  const auto removed = missing_from(change.before, change.after);
  if (change.new_text == live || (added.empty() && removed.empty())) {
    out << "bottle " << paths.slug() << ": " << config.what << " unchanged\n";
    if (context.on_applied) context.on_applied();
    return;
  }
  bottle::config::write_file_atomically(config.file, change.new_text);
  try {
    docker.kill_signal(container, config.signal);
  } catch (const std::exception& e) {
    // The file must say what runs: an unsignalled change would surface at some
    // later restart, unannounced. Whether the bundle runs is asked only now:
    // on the way that works, one docker call is a third of the time a change
    // takes to reach the agent.
    bottle::config::write_file_atomically(config.file, live);
    if (!docker.container_running(container)) {
      throw ApplyError("the bundle container " + container + " is not running (bottle start " +
                       paths.slug() + " first); " + config.file.string() + " is unchanged");
    }
    throw ApplyError(std::string(e.what()) + "; the previous " + config.file.string() +
                     " is back in place");
  }
  out << "bottle " << paths.slug() << ": " << config.what << "\n";
  for (const auto& r : removed) out << "  - " << r << "\n";
  for (const auto& a : added) out << "  + " << a << "\n";
  out << "sent SIG" << config.signal << " to " << container << ": " << config.effect << "\n";
  nlohmann::json fields = {{"change", config.what}, {"added", added}, {"removed", removed}};
  fields.update(context.audit);
  if (context.on_applied) context.on_applied();
  append_audit(paths, fields);
}

}  // namespace host_tools
