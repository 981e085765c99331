#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bottle/proposals/proposal.hpp"

namespace bottle::proposals {

// One file of a listing: the proposal, or why its file could not be read.
struct ListedProposal {
  std::string id;
  std::optional<Proposal> proposal;
  std::string problem;  // when unreadable: bounded, escaped for a terminal
};

// What one page of a listing holds.
struct PageRequest {
  std::string after;           // a proposal id: the page starts after it; empty: from the first
  std::optional<State> state;  // only proposals in this state (unreadable files are then left out)
  std::size_t limit = 20;      // entries at most
  std::size_t max_bytes = 256 * 1024;  // and no more past this many bytes of proposal files
};

struct Page {
  std::vector<ListedProposal> entries;
  // Where the next page starts (its `after`); empty when no file is left.
  std::string next_cursor;
};

// The proposals directory shared by supervise (in the bundle) and the host
// tool: one JSON file per proposal, `<id>.json`, always replaced whole by a
// rename, so a reader on either side never sees half a proposal. Ids sort in
// creation order (a UTC second and its microsecond), and listings go by id a
// page at a time, reading only the files of that page, so that what the
// directory holds never decides how much memory a reader takes.
class ProposalStore {
 public:
  explicit ProposalStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  // Gives `proposal` a fresh id and its creation time, writes it, returns it.
  Proposal create(Proposal proposal) const;
  // The proposal, or nothing when there is no such file. A file that is not
  // a valid proposal throws ConfigError naming it (never anything else).
  std::optional<Proposal> find(const std::string& id) const;
  // One page of the listing, oldest first. A file that cannot be read is an
  // entry with its problem, and never stops the listing of the others.
  Page page(const PageRequest& request) const;
  // Every entry, oldest first, a page at a time.
  void for_each(const std::function<void(const ListedProposal&)>& visit,
                std::optional<State> state = std::nullopt) const;
  // How many valid proposals are pending, counting no further than `stop_at`.
  std::size_t count_pending(std::size_t stop_at) const;
  // Replaces the proposal's file (a decision being recorded).
  void save(const Proposal& proposal) const;

 private:
  std::filesystem::path file_of(const std::string& id) const;
  // The smallest `count` proposal ids after `after`, in order (one pass over
  // the directory, holding `count` names at most).
  std::vector<std::string> ids_after(const std::string& after, std::size_t count) const;
  // The proposal of `id`, or its problem; `bytes` gets the file's size.
  ListedProposal read_entry(const std::string& id, std::size_t& bytes) const;
  std::filesystem::path dir_;
};

}  // namespace bottle::proposals
