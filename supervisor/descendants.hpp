#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace supervisor {

// Whether any child (daemon or reparented orphan) is still alive or unreaped.
// As PID 1 or a subreaper, every descendant's line of parents ends at us, so
// "no children" means no descendant at all.
bool has_children();

// Every process below this one, found through /proc.
std::vector<pid_t> descendants();

// Sends signum to every descendant (as PID 1: kill(-1), everything in the
// namespace but us; as a subreaper: each process below us, never anything
// else on the machine). Returns how many were found.
std::size_t signal_descendants(int signum);

}  // namespace supervisor
