#pragma once

#include <filesystem>
#include <iosfwd>

#include "bottle/unique_fd.hpp"

namespace host_tools {

// Serialises changes to one bottle's live configs: held from reading the live
// file to signalling the bundle, so two applies at once both land, one after
// the other, instead of the second overwriting the first with a stale copy.
// An flock dies with its holder, so a crashed apply never leaves it taken.
class ApplyLock {
 public:
  // Blocks until the lock is ours; says so on `notices` (with `waiting`) when it has to wait.
  ApplyLock(const std::filesystem::path& lock_file, std::ostream& notices,
            const char* waiting = "bottle: waiting for another change to this bottle to finish\n");

 private:
  bottle::UniqueFd fd_;
};

}  // namespace host_tools
