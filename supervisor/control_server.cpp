#include "control_server.hpp"

#include "bottle/json/safe_json.hpp"

namespace supervisor {

namespace {
// A request is one short JSON line; anything longer is not a client of ours.
constexpr std::size_t kMaxRequest = 4096;

nlohmann::json to_json(const DaemonStatus& s) {
  nlohmann::json j = {
      {"name", s.name},
      {"state", to_string(s.state)},
      {"pid", s.pid > 0 ? nlohmann::json(s.pid) : nlohmann::json(nullptr)},
      {"started_at_unix_ms", s.started_at_unix_ms},
      {"uptime_ms", s.uptime_ms},
      {"restarts", s.restarts},
      {"restart_pending", s.restart_pending},
      {"last_exit", s.last_exit ? nlohmann::json(*s.last_exit) : nlohmann::json(nullptr)},
  };
  return j;
}

std::string error_reply(const std::string& message) {
  // The message may quote what the client sent: invalid bytes are replaced,
  // never a reason to throw.
  return bottle::json::dump(nlohmann::json{{"ok", false}, {"error", message}}) + "\n";
}

std::string reply_to(const std::string& request, Supervisor& supervisor) {
  nlohmann::json req;
  try {
    req = bottle::json::parse(request, 8);
  } catch (const bottle::json::ParseError& e) {
    return error_reply(std::string("request is not JSON: ") + e.what());
  }
  if (!req.is_object() || !req.contains("command") || !req["command"].is_string()) {
    return error_reply("request needs a \"command\" string");
  }
  const std::string command = req["command"];
  if (command == "status") {
    nlohmann::json daemons = nlohmann::json::array();
    for (const auto& s : supervisor.status()) daemons.push_back(to_json(s));
    return bottle::json::dump(nlohmann::json{{"ok", true},
                                             {"shutting_down", supervisor.shutting_down()},
                                             {"orphans_reaped", supervisor.orphans_reaped()},
                                             {"daemons", daemons}}) +
           "\n";
  }
  if (command == "restart" || command == "reload") {
    if (!req.contains("daemon") || !req["daemon"].is_string()) {
      return error_reply(command + " needs a \"daemon\" name");
    }
    const std::string name = req["daemon"];
    const std::string why = "control socket";
    if (!supervisor.has_daemon(name)) return error_reply("no selected daemon named '" + name + "'");
    bool done = command == "restart" ? supervisor.restart(name, why) : supervisor.reload(name, why);
    if (!done) return error_reply(name + " has no running process to reload");
    return bottle::json::dump(nlohmann::json{{"ok", true}}) + "\n";
  }
  return error_reply("unknown command '" + command + "' (status, restart, reload)");
}
}  // namespace

ControlServer::ControlServer(bottle::uv::Loop& loop, const std::string& path,
                             Supervisor& supervisor, std::shared_ptr<spdlog::logger> log,
                             Limits limits)
    : loop_(loop),
      supervisor_(supervisor),
      log_(std::move(log)),
      limits_(limits),
      server_(loop, path, 0600, [this](std::unique_ptr<bottle::uv::UnixConnection> conn) {
        accept(std::move(conn));
      }) {}

void ControlServer::accept(std::unique_ptr<bottle::uv::UnixConnection> conn) {
  clients_.push_back(std::make_unique<Client>());
  auto it = std::prev(clients_.end());
  Client& client = **it;
  client.connection = std::move(conn);
  if (clients_.size() > limits_.max_connections) {
    // Refused at once, so a flood of idle clients costs one fd for a moment,
    // and a health check or a restart still gets through.
    log_->warn("control socket: refusing a connection: {} already open", clients_.size() - 1);
    answer(it, error_reply("too many control connections open; try again"));
    return;
  }
  client.deadline = std::make_unique<bottle::uv::Timer>(loop_);
  client.deadline->start(static_cast<std::uint64_t>(limits_.deadline.count()), [this, it] {
    answer(it, error_reply("no complete request within " +
                           std::to_string(limits_.deadline.count()) + " ms"));
  });
  client.connection->read(
      [this, it](std::string_view bytes) {
        Client& c = **it;
        if (c.answered) return;
        c.buffer.append(bytes);
        const auto nl = c.buffer.find('\n');
        if (nl != std::string::npos) {
          answer(it, handle_request(c.buffer.substr(0, nl), supervisor_));
        } else if (c.buffer.size() > kMaxRequest) {
          answer(it, error_reply("request longer than 4096 bytes"));
        }
      },
      [this, it] {
        Client& c = **it;
        if (c.answered) return;
        // The client closed its side: what it sent is the whole request.
        if (!c.buffer.empty()) {
          answer(it, handle_request(c.buffer, supervisor_));
        } else {
          clients_.erase(it);
        }
      });
}

void ControlServer::answer(ClientList::iterator it, std::string reply) {
  Client& c = **it;
  if (c.answered) return;
  c.answered = true;
  if (c.deadline) c.deadline->stop();
  c.connection->write_and_close(std::move(reply), [this, it] { clients_.erase(it); });
}

std::string ControlServer::handle_request(const std::string& request,
                                          Supervisor& supervisor) noexcept {
  try {
    return reply_to(request, supervisor);
  } catch (const std::exception& e) {
    try {
      return error_reply(std::string("internal error: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return "{\"ok\":false,\"error\":\"internal error\"}\n";
}

}  // namespace supervisor
