#include "program_check.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "config_error.hpp"

namespace supervisor {

namespace {
enum class Verdict { ok, missing, not_a_file, not_executable };

Verdict judge(const std::string& path, const std::optional<RunAs>& run_as) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Verdict::missing;
  if (!S_ISREG(st.st_mode)) return Verdict::not_a_file;
  const uid_t uid = run_as ? run_as->uid : ::geteuid();
  if (uid == 0) return (st.st_mode & 0111) ? Verdict::ok : Verdict::not_executable;
  if (st.st_uid == uid) return (st.st_mode & S_IXUSR) ? Verdict::ok : Verdict::not_executable;
  std::vector<gid_t> groups;
  if (run_as) {
    groups = run_as->groups;
    groups.push_back(run_as->gid);
  } else {
    groups.push_back(::getegid());
  }
  if (std::find(groups.begin(), groups.end(), st.st_gid) != groups.end())
    return (st.st_mode & S_IXGRP) ? Verdict::ok : Verdict::not_executable;
  return (st.st_mode & S_IXOTH) ? Verdict::ok : Verdict::not_executable;
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
      return e.substr(name.size() + 1);
  }
  return {};
}
}  // namespace

void check_program(const std::string& registry_path, const DaemonSpec& spec,
                   const std::vector<std::string>& daemon_env, const std::optional<RunAs>& run_as) {
  const std::string& program = spec.argv.front();
  // Built piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
  std::string who;
  if (run_as) who.append(" by user '").append(run_as->name).append("'");
  auto fail = [&](const std::string& problem) {
    throw ConfigError(registry_path + ": daemon '" + spec.name + "': key 'argv': program '" +
                      program + "' " + problem);
  };
  if (program.find('/') != std::string::npos) {
    std::filesystem::path path(program);
    if (path.is_relative()) path = std::filesystem::path(spec.workdir) / path;
    const Verdict v = judge(path.string(), run_as);
    if (v == Verdict::ok) return;
    if (v == Verdict::missing) fail("does not exist");
    if (v == Verdict::not_a_file) fail("is not a regular file");
    fail(std::string("is not executable").append(who));
  }
  const std::string search = env_value(daemon_env, "PATH");
  bool found_unexecutable = false;
  std::size_t start = 0;
  while (start <= search.size()) {
    const std::size_t colon = std::min(search.find(':', start), search.size());
    std::string candidate = search.substr(start, colon - start);
    if (candidate.empty()) candidate.push_back('.');  // an empty PATH entry is the workdir
    candidate.append("/").append(program);
    const Verdict v = judge(candidate, run_as);
    if (v == Verdict::ok) return;
    found_unexecutable = found_unexecutable || v == Verdict::not_executable;
    start = colon + 1;
  }
  if (found_unexecutable) fail(std::string("is not executable").append(who));
  fail(std::string("is not found in its PATH (").append(search).append(")"));
}

}  // namespace supervisor
