#include "bottle_teardown.hpp"

#include <filesystem>
#include <ostream>
#include <stdexcept>

#include "bottle/subprocess.hpp"
#include "bottle_networks.hpp"

namespace host_tools {

namespace {

std::vector<std::string> compose_argv(const BottleMetadata& meta,
                                      std::initializer_list<std::string> args) {
  std::vector<std::string> argv = meta.compose;
  argv.insert(argv.end(), {"--project-name", meta.project, "--file", meta.compose_file});
  argv.insert(argv.end(), args);
  return argv;
}

// compose.log, or, when a stop before this one saved it already (a stop that
// failed half-way, then its retry), compose.log.2, .3, ...: no saved log is
// ever replaced.
std::filesystem::path free_log_path(const BottlePaths& paths) {
  std::filesystem::path path = paths.compose_log();
  for (int n = 2; std::filesystem::exists(path); ++n) {
    path = paths.compose_log().string() + "." + std::to_string(n);
  }
  return path;
}

}  // namespace

void save_logs_and_take_down(const BottlePaths& paths, const BottleMetadata& meta,
                             std::ostream& out) {
  if (meta.compose.empty() || !std::filesystem::exists(meta.compose_file)) return;
  // A second stop would replace the saved logs with those of an empty project.
  if (meta.state != "stopped") {
    const auto log = free_log_path(paths);
    bottle::run_to_file(compose_argv(meta, {"logs", "--no-color", "--timestamps"}), log.string());
    out << "bottle " << paths.slug() << ": logs saved to " << log.string() << "\n";
  }
  bottle::CommandResult down =
      bottle::run_captured(compose_argv(meta, {"down", "--volumes", "--remove-orphans"}));
  if (!down.ok()) {
    throw std::runtime_error("`" + bottle::printable(compose_argv(meta, {"down"})) +
                             "` failed: " + down.err);
  }
}

void remove_networks(const BottlePaths& paths, const DockerCli& docker, std::ostream& notices) {
  remove_bottle_networks(paths, docker, notices);
}

void remove_private_keys(const BottlePaths& paths) {
  // Each goes even if another cannot: error codes, not exceptions.
  std::error_code ignored;
  std::filesystem::remove(paths.pipelock_dir() / "ca-key.pem", ignored);
  std::filesystem::remove(paths.egress_dir() / "ca-key.pem", ignored);
  // The copies of the git upstreams' ssh keys, made at start.
  std::filesystem::remove_all(paths.git_gate_dir() / "keys", ignored);
}

void mark_state(const BottlePaths& paths, const std::string& state) {
  auto meta = read_metadata(paths.metadata_file());
  if (!meta) return;
  meta->state = state;
  write_metadata(paths.metadata_file(), *meta);
}

bool stop_bottle(const BottlePaths& paths, const DockerCli& docker, std::ostream& out) {
  auto meta = read_metadata(paths.metadata_file());
  if (!meta) return false;
  if (meta->state == "stopped") {
    out << "bottle " << paths.slug() << ": already stopped\n";
  }
  try {
    save_logs_and_take_down(paths, *meta, out);
    remove_networks(paths, docker, out);
  } catch (...) {
    // Whatever failed (a network with an endpoint still attached, compose
    // down), the bottle's private keys do not stay on disk; the bottle is
    // marked as a stop begun, not as stopped (its containers may still run),
    // and `bottle stop` again finishes it.
    remove_private_keys(paths);
    mark_state(paths, "stopping");
    throw;
  }
  remove_private_keys(paths);
  mark_state(paths, "stopped");
  out << "bottle " << paths.slug() << ": stopped\n";
  return true;
}

}  // namespace host_tools
