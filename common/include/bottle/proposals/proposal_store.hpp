#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bottle/proposals/proposal.hpp"

namespace bottle::proposals {

// The proposals directory shared by supervise (in the bundle) and the host
// tool: one JSON file per proposal, `<id>.json`, always replaced whole by a
// rename, so a reader on either side never sees half a proposal.
class ProposalStore {
 public:
  explicit ProposalStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  // Gives `proposal` a fresh id and its creation time, writes it, returns it.
  Proposal create(Proposal proposal) const;
  // The proposal, or nothing when there is no such file. A file that is not
  // a valid proposal throws ConfigError naming it.
  std::optional<Proposal> find(const std::string& id) const;
  // Every valid proposal, oldest first; `problems` (if given) gets one line
  // per file that could not be read.
  std::vector<Proposal> list(std::vector<std::string>* problems = nullptr) const;
  // Replaces the proposal's file (a decision being recorded).
  void save(const Proposal& proposal) const;

 private:
  std::filesystem::path file_of(const std::string& id) const;
  std::filesystem::path dir_;
};

}  // namespace bottle::proposals
