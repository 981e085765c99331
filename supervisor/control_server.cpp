#include "control_server.hpp"

#include <nlohmann/json.hpp>

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
  return nlohmann::json{{"ok", false}, {"error", message}}.dump() + "\n";
}
}  // namespace

ControlServer::ControlServer(bottle::uv::Loop& loop, const std::string& path,
                             Supervisor& supervisor, std::shared_ptr<spdlog::logger> log)
    : supervisor_(supervisor),
      log_(std::move(log)),
      server_(loop, path, 0600, [this](std::unique_ptr<bottle::uv::UnixConnection> conn) {
        clients_.push_back(std::make_unique<Client>());
        auto it = std::prev(clients_.end());
        Client& client = **it;
        client.connection = std::move(conn);
        auto finish = [this, it](std::string reply) {
          (*it)->connection->write_and_close(std::move(reply), [this, it] { clients_.erase(it); });
        };
        client.connection->read(
            [this, &client, finish](std::string_view bytes) {
              client.buffer.append(bytes);
              auto nl = client.buffer.find('\n');
              if (nl != std::string::npos) {
                finish(handle_request(client.buffer.substr(0, nl), supervisor_));
              } else if (client.buffer.size() > kMaxRequest) {
                finish(error_reply("request longer than 4096 bytes"));
              }
            },
            [this, it] { clients_.erase(it); });
      }) {}

std::string ControlServer::handle_request(const std::string& request, Supervisor& supervisor) {
  nlohmann::json req;
  try {
    req = nlohmann::json::parse(request);
  } catch (const nlohmann::json::exception& e) {
    return error_reply(std::string("request is not JSON: ") + e.what());
  }
  if (!req.is_object() || !req.contains("command") || !req["command"].is_string()) {
    return error_reply("request needs a \"command\" string");
  }
  const std::string command = req["command"];
  if (command == "status") {
    nlohmann::json daemons = nlohmann::json::array();
    for (const auto& s : supervisor.status()) daemons.push_back(to_json(s));
    return nlohmann::json{{"ok", true},
                          {"shutting_down", supervisor.shutting_down()},
                          {"orphans_reaped", supervisor.orphans_reaped()},
                          {"daemons", daemons}}
               .dump() +
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
    return nlohmann::json{{"ok", true}}.dump() + "\n";
  }
  return error_reply("unknown command '" + command + "' (status, restart, reload)");
}

}  // namespace supervisor
