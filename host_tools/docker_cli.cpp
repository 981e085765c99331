#include "docker_cli.hpp"

#include <stdexcept>

namespace host_tools {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

bottle::CommandResult DockerCli::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  return bottle::run_captured(argv);
}

void DockerCli::require(const std::vector<std::string>& args, const std::string& doing) const {
  bottle::CommandResult r = docker(args);
  if (!r.ok()) throw std::runtime_error("cannot " + doing + ": " + trimmed(r.err + r.out));
}

std::vector<std::string> DockerCli::detect_compose() const {
  if (bottle::on_path("docker") && docker({"compose", "version"}).ok())
    return {"docker", "compose"};
  if (bottle::on_path("docker-compose") &&
      bottle::run_captured({"docker-compose", "version"}).ok()) {
    return {"docker-compose"};
  }
  throw std::runtime_error(
      "neither `docker compose` (v2) nor `docker-compose` (v1) works here: install one "
      "(on Debian: apt-get install docker-compose)");
}

bool DockerCli::image_exists(const std::string& image) const {
  return docker({"image", "inspect", "--format", "{{.Id}}", image}).ok();
}

bool DockerCli::network_exists(const std::string& name) const {
  return docker({"network", "inspect", "--format", "{{.Id}}", name}).ok();
}

bool DockerCli::container_running(const std::string& name) const {
  bottle::CommandResult r =
      docker({"container", "inspect", "--format", "{{.State.Running}}", name});
  return r.ok() && trimmed(r.out) == "true";
}

std::string DockerCli::network_subnet(const std::string& name) const {
  bottle::CommandResult r =
      docker({"network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", name});
  if (!r.ok()) throw std::runtime_error("cannot inspect network " + name + ": " + trimmed(r.err));
  // The first IPv4 subnet: the one the agent's address comes from.
  std::string all = trimmed(r.out);
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find(' ', start);
    std::string subnet = all.substr(start, end == std::string::npos ? end : end - start);
    if (!subnet.empty() && subnet.find(':') == std::string::npos) return subnet;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw std::runtime_error("network " + name + " has no IPv4 subnet (docker said '" + all + "')");
}

void DockerCli::create_network(const std::string& name, const NetworkOptions& o) const {
  std::vector<std::string> args = {"network", "create", "--label", o.label};
  if (o.internal) args.push_back("--internal");
  if (o.no_host_address)
    args.insert(args.end(), {"--opt", "com.docker.network.bridge.inhibit_ipv4=true"});
  if (o.subnet) args.insert(args.end(), {"--subnet", *o.subnet});
  if (o.gateway) args.insert(args.end(), {"--gateway", *o.gateway});
  args.push_back(name);
  bottle::CommandResult r = docker(args);
  if (r.ok()) return;
  const std::string why = trimmed(r.err + r.out);
  if (why.find("overlaps") != std::string::npos) {
    throw SubnetTaken("cannot create network " + name + ": " + why);
  }
  throw std::runtime_error("cannot create network " + name + ": " + why);
}

std::string DockerCli::network_bridge(const std::string& name) const {
  bottle::CommandResult r =
      docker({"network", "inspect", "--format",
              "{{.Id}} {{index .Options \"com.docker.network.bridge.name\"}}", name});
  if (!r.ok()) throw std::runtime_error("cannot inspect network " + name + ": " + trimmed(r.err));
  const std::string out = trimmed(r.out);
  const auto space = out.find(' ');
  if (space != std::string::npos && space + 1 < out.size() &&
      out.substr(space + 1) != "<no value>") {
    return out.substr(space + 1);
  }
  return "br-" + out.substr(0, 12);
}

void DockerCli::remove_network(const std::string& name) const {
  if (!network_exists(name)) return;
  require({"network", "rm", name}, "remove network " + name);
}

void DockerCli::kill_signal(const std::string& container, const std::string& signal) const {
  require({"kill", "--signal", signal, container}, "signal " + container + " with " + signal);
}

}  // namespace host_tools
