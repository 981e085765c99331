#include "signal_names.hpp"

#include <csignal>
#include <cstring>
#include <string_view>

namespace supervisor {

namespace {
struct NamedSignal {
  std::string_view name;
  int number;
};
constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2},   {"TERM", SIGTERM}, {"CONT", SIGCONT},
    {"STOP", SIGSTOP}, {"WINCH", SIGWINCH}, {"ALRM", SIGALRM}, {"PWR", SIGPWR},
};
}  // namespace

std::optional<int> signal_from_name(const std::string& name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare = upper;
  if (bare.substr(0, 3) == "SIG") bare.remove_prefix(3);
  for (const auto& s : kSignals) {
    if (s.name == bare) return s.number;
  }
  return std::nullopt;
}

std::string signal_name(int signum) {
  for (const auto& s : kSignals) {
    if (s.number == signum) return "SIG" + std::string(s.name);
  }
  const char* abbrev = sigabbrev_np(signum);
  return abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(signum);
}

}  // namespace supervisor
