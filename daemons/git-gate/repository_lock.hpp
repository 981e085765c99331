#pragma once

#include <sys/types.h>

#include <string>

#include "bottle/unique_fd.hpp"

namespace git_gate {

// The gate repository's one lock: a fetch from the upstream into the gate and
// a push through it each hold it, so the gate's refs have one writer at a
// time. Without it, an access hook fetching the upstream's new tip while a
// push's own ref update is pending makes git refuse that update ("cannot lock
// ref"), and the agent is told its successful push failed.
class RepositoryLock {
 public:
  // Blocks until held.
  explicit RepositoryLock(const std::string& repository);

  // Keeps the lock held after this process ends, until process `pid` ends
  // too (at most kMaxHoldSeconds): the pre-receive hook ends before
  // receive-pack, its parent, updates the refs. Returns false when the
  // kernel cannot watch `pid` (no pidfd_open), and the lock ends with us.
  bool hold_until_exit_of(pid_t pid);
  static constexpr int kMaxHoldSeconds = 120;

 private:
  bottle::UniqueFd fd_;
};

}  // namespace git_gate
