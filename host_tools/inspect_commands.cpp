#include "inspect_commands.hpp"

#include <algorithm>
#include <iomanip>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "bottle/config/config_error.hpp"
#include "bottle/subprocess.hpp"
#include "bottle_metadata.hpp"

namespace host_tools {

void list_bottles(const std::filesystem::path& state_root, const DockerCli& docker,
                  std::ostream& out) {
  out << std::left << std::setw(20) << "BOTTLE" << std::setw(10) << "STATE" << std::setw(22)
      << "STARTED"
      << "PROJECT\n";
  if (!std::filesystem::is_directory(state_root)) return;
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(state_root)) dirs.push_back(entry);
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    std::optional<BottleMetadata> meta;
    try {
      meta = read_metadata(dir / "metadata.json");
    } catch (const bottle::config::ConfigError& e) {
      out << std::setw(20) << dir.filename().string() << "unreadable: " << e.what() << "\n";
      continue;
    }
    if (!meta) continue;
    // The metadata says what start did; Docker says what is true now.
    std::string state = meta->state;
    if (state == "running" && !docker.container_running(meta->sidecars_container)) {
      state = "exited";
    }
    out << std::setw(20) << meta->bottle << std::setw(10) << state << std::setw(22)
        << meta->started_at << meta->project << "\n";
  }
}

int show_status(const BottlePaths& paths, const DockerCli& docker, bool json) {
  if (!docker.container_running(paths.sidecars_container())) {
    throw std::runtime_error("the bundle container " + paths.sidecars_container() +
                             " is not running");
  }
  std::vector<std::string> argv = {"docker", "exec", paths.sidecars_container(), "sidecarctl",
                                   "status"};
  if (json) argv.push_back("--json");
  return bottle::run_attached(argv);
}

int show_logs(const BottlePaths& paths, const std::string& daemon, bool follow, std::ostream& out) {
  auto meta = read_metadata(paths.metadata_file());
  if (!meta) throw bottle::config::ConfigError("no bottle '" + paths.slug() + "'");
  if (daemon.empty()) {
    std::vector<std::string> argv = meta->compose;
    argv.insert(argv.end(), {"--project-name", meta->project, "--file", meta->compose_file, "logs",
                             "--no-color", "--timestamps"});
    if (follow) argv.push_back("--follow");
    return bottle::run_attached(argv);
  }
  std::vector<std::string> argv = {"docker", "logs", "--timestamps"};
  if (follow) argv.push_back("--follow");
  argv.push_back(meta->sidecars_container);
  const std::string prefix = daemon + ": ";
  return bottle::run_line_by_line(argv, [&](const std::string& line) {
    // With --timestamps docker puts "<time> " before the supervisor's prefix.
    const size_t space = line.find(' ');
    const std::string_view rest =
        space == std::string::npos ? std::string_view() : std::string_view(line).substr(space + 1);
    if (rest.starts_with(prefix)) out << line << "\n" << std::flush;
  });
}

}  // namespace host_tools
