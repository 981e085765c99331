#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bottle/proposals/proposal.hpp"

namespace host_tools {

// What the dashboard knows of one bottle. From disk (metadata.json, the
// proposals folder, audit.log: read every tick, never blocking on Docker)
// and from the supervisor's status, which a child process polls.
struct DaemonRow {
  std::string name;
  std::string state;
  std::string pid;  // "-" when none
  std::string restarts;
  std::string last_exit;  // "-" when none
  std::string uptime;     // "1h02m"
};

struct BottleRow {
  std::string slug;
  std::string project;
  std::string sidecars_container;
  std::string state;  // metadata's: starting, running, stopped
  std::string started_at;
  std::vector<DaemonRow> daemons;
  std::string container;  // Docker's word for the bundle: "running healthy", escaped
  std::optional<std::chrono::system_clock::time_point> answered_at;  // the last status answer
  bool stale = false;                                                // the last poll got no answer
  std::string problem;                                               // why (escaped), when stale
};

struct ProposalRow {
  std::string slug;
  bottle::proposals::Proposal proposal;
};

// The bottles under `state_root`, sorted by name; an unreadable metadata file
// is a row with its problem.
std::vector<BottleRow> load_bottles(const std::filesystem::path& state_root);

// Pending proposals of every bottle, newest first; files that cannot be read
// are counted in `unreadable`.
std::vector<ProposalRow> load_pending(const std::filesystem::path& state_root,
                                      const std::vector<BottleRow>& bottles,
                                      std::size_t& unreadable);

// `sidecarctl status --json`'s answer as daemon rows; nothing when it is not one.
std::optional<std::vector<DaemonRow>> read_status(std::string_view json);

// The last `count` lines of the audit log, newest first, each escaped.
std::vector<std::string> audit_tail(const std::filesystem::path& file, std::size_t count);

// A UTC time as the host tool writes it ("2026-12-02T03:44:07Z").
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

// "1h02m", "3m05s", "12s".
std::string short_duration(std::chrono::seconds d);

}  // namespace host_tools
