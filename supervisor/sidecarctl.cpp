// sidecarctl: client of the supervisor's control socket.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bottle/json/safe_json.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/unique_fd.hpp"

namespace {

enum : int { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3 };

struct Unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::json ask(const std::string& socket_path, const nlohmann::json& request) {
  bottle::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw Unreachable(std::string("socket: ") + strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw Unreachable("socket path too long");
  std::strcpy(addr.sun_path, socket_path.c_str());
  // A wedged supervisor must not hang a health check forever.
  timeval timeout{5, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw Unreachable("cannot reach the supervisor at " + socket_path + ": " + strerror(errno));
  }
  // A daemon name given on the command line may hold any byte: replaced, not thrown on.
  const std::string line = bottle::json::dump(request) + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    throw Unreachable(std::string("write: ") + strerror(errno));
  }
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
  if (n < 0) throw Unreachable(std::string("read: ") + strerror(errno));
  try {
    return bottle::json::parse(reply);
  } catch (const bottle::json::ParseError&) {
    throw Unreachable("the supervisor's answer is not JSON");
  }
}

std::string format_uptime(long long ms) {
  long long s = ms / 1000;
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << "h";
  if (s >= 60) out << (s / 60) % 60 << "m";
  out << s % 60 << "s";
  return out.str();
}

void print_status_table(const nlohmann::json& status) {
  std::cout << std::left << std::setw(12) << "DAEMON" << std::setw(10) << "STATE" << std::setw(8)
            << "PID" << std::setw(10) << "UPTIME" << std::setw(10) << "RESTARTS"
            << "LAST EXIT\n";
  for (const auto& d : status["daemons"]) {
    std::cout << std::setw(12) << d["name"].get<std::string>() << std::setw(10)
              << d["state"].get<std::string>() << std::setw(8)
              << (d["pid"].is_null() ? "-" : std::to_string(d["pid"].get<int>())) << std::setw(10)
              << (d["pid"].is_null() ? "-" : format_uptime(d["uptime_ms"].get<long long>()))
              << std::setw(10) << d["restarts"].get<int>()
              << (d["last_exit"].is_null() ? "-" : d["last_exit"].get<std::string>()) << "\n";
  }
}

void refused(const nlohmann::json& reply) {
  const auto& error = reply.contains("error") && reply["error"].is_string()
                          ? reply["error"].get<std::string>()
                          : std::string("refused");
  std::cerr << "sidecarctl: " << bottle::text::escape_for_terminal(error) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sidecarctl: ask the sidecar supervisor for status, restarts and reloads"};
  std::string socket_path = "/run/sidecar-supervisor.sock";
  app.add_option("--socket", socket_path, "the supervisor's control socket")
      ->envname("SIDECAR_SUPERVISOR_SOCKET")
      ->capture_default_str();
  app.require_subcommand(1);
  bool as_json = false;
  auto* status =
      app.add_subcommand("status", "each daemon's state, pid, uptime, restarts, last exit");
  status->add_flag("--json", as_json, "print the supervisor's JSON answer");
  app.add_subcommand("health", "exit 0 when every selected daemon is running and ready");
  std::string daemon;
  auto* restart = app.add_subcommand("restart", "restart one daemon in place");
  restart->add_option("daemon", daemon)->required();
  auto* reload = app.add_subcommand("reload", "send one daemon its reload signal");
  reload->add_option("daemon", daemon)->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }

  try {
    if (*restart || *reload) {
      auto reply =
          ask(socket_path, {{"command", *restart ? "restart" : "reload"}, {"daemon", daemon}});
      if (!reply.value("ok", false)) {
        refused(reply);
        return kRefused;
      }
      return kOk;
    }
    auto reply = ask(socket_path, {{"command", "status"}});
    if (!reply.value("ok", false)) {
      refused(reply);
      return kRefused;
    }
    // Every daemon not running (failed, in backoff, still starting) is named:
    // `status` and `bottle status` exit 1 then, so a script notices.
    std::vector<std::string> not_running;
    for (const auto& d : reply["daemons"]) {
      if (d["state"] != "running") {
        not_running.push_back(d["name"].get<std::string>() + " is " +
                              d["state"].get<std::string>());
      }
    }
    const bool shutting_down = reply.value("shutting_down", false);
    if (app.got_subcommand("health")) {
      for (const auto& n : not_running) std::cerr << "sidecarctl: unhealthy: " << n << "\n";
      if (shutting_down) std::cerr << "sidecarctl: unhealthy: shutting down\n";
      const bool healthy = not_running.empty() && !shutting_down;
      if (healthy) std::cout << "healthy\n";
      return healthy ? kOk : kRefused;
    }
    if (as_json)
      std::cout << bottle::json::dump(reply) << "\n";
    else
      print_status_table(reply);
    for (const auto& n : not_running) std::cerr << "sidecarctl: not running: " << n << "\n";
    return not_running.empty() ? kOk : kRefused;
  } catch (const Unreachable& e) {
    std::cerr << "sidecarctl: " << e.what() << "\n";
    return kUnreachable;
  }
}
