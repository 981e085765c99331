#pragma once

#include <optional>
#include <string>

namespace supervisor {

// "SIGHUP", "HUP" and "hup" all give SIGHUP; unknown names give nullopt.
std::optional<int> signal_from_name(const std::string& name);
std::string signal_name(int signum);

}  // namespace supervisor
