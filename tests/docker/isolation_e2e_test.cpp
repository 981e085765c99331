// The agent reaches the bundle's four ports and nothing else: not the Docker
// host (whatever address of it), not the egress network, not a second
// bottle, not any other port of the sidecars; and a runaway agent stops at
// its limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "bottle_harness.hpp"

namespace bottle_e2e {
namespace {

using ::testing::HasSubstr;

constexpr int kHostPort = 18999;

struct HostAddress {
  std::string interface;
  std::string address;  // without prefix length
  bool v6 = false;
  bool link_local = false;
};

// Every address of this machine, as `ip -o addr` lists them: no guessed ranges.
std::vector<HostAddress> host_addresses() {
  const CommandResult r = run({"ip", "-o", "addr", "show"});
  EXPECT_EQ(r.code, 0) << r.output;
  std::vector<HostAddress> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string index, iface, family, cidr;
    f >> index >> iface >> family >> cidr;
    if (family != "inet" && family != "inet6") continue;
    HostAddress a{iface, cidr.substr(0, cidr.find('/')), family == "inet6", false};
    a.link_local = a.v6 && a.address.rfind("fe80", 0) == 0;
    out.push_back(a);
  }
  return out;
}

// A URL the agent can dial for the address (a link-local one through the
// agent's own interface).
std::string url_for(const HostAddress& a, int port) {
  if (!a.v6) return "http://" + a.address + ":" + std::to_string(port) + "/";
  return "http://[" + a.address + (a.link_local ? "%25eth0" : "") + "]:" + std::to_string(port) +
         "/";
}

// Probes every URL at once from the agent, around pipelock (--noproxy), and
// returns those that answered.
std::set<std::string> reachable_from_agent(const Bottle& b, const std::vector<std::string>& urls) {
  std::string script = "for u in";
  for (const auto& u : urls) script += " '" + u + "'";
  script +=
      "; do (curl -g --noproxy '*' -s -o /dev/null --connect-timeout 3 -m 5 \"$u\"; c=$?; "
      // Connected is answered, whatever came back (git daemon closes on an
      // HTTP request: curl's 52): only 7 (no connection) and 28 (timeout) are not.
      "[ $c -ne 7 ] && [ $c -ne 28 ] && echo \"ANSWERED $u\") & done; wait";
  const CommandResult r = b.agent(script);
  std::set<std::string> answered;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("ANSWERED ", 0) == 0) answered.insert(line.substr(9));
  }
  return answered;
}

std::string inspect(const std::string& format, const std::string& object) {
  const CommandResult r = run({"docker", "inspect", "--format", format, object});
  EXPECT_EQ(r.code, 0) << r.output;
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// The host's address on a Docker network: its IPAM gateway, or, where Docker
// leaves that out (the default bridge of a daemon that found its bridge's
// address already set, as seen here), the address of the network's bridge
// interface on the host. Empty when neither exists (an internal network).
std::string host_address_on(const std::string& network) {
  const std::string gateway = inspect("{{range .IPAM.Config}}{{.Gateway}}{{end}}", network);
  if (!gateway.empty()) return gateway;
  std::string bridge = inspect("{{index .Options \"com.docker.network.bridge.name\"}}", network);
  if (bridge.empty() || bridge == "<no value>")
    bridge = "br-" + inspect("{{.Id}}", network).substr(0, 12);
  const CommandResult r = run({"ip", "-4", "-o", "addr", "show", "dev", bridge});
  const auto inet = r.output.find("inet ");
  if (r.code != 0 || inet == std::string::npos) return "";
  const auto start = inet + 5;
  return r.output.substr(start, r.output.find('/', start) - start);
}

// The TCP ports the sidecars container listens on, other than on loopback
// (read from its /proc/net/tcp and tcp6).
std::set<int> sidecars_listening_ports(const Bottle& b) {
  const CommandResult r = b.sidecars("cat /proc/net/tcp /proc/net/tcp6");
  EXPECT_EQ(r.code, 0) << r.output;
  std::set<int> ports;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string slot, local, remote, state;
    f >> slot >> local >> remote >> state;
    if (state != "0A") continue;  // LISTEN
    const auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    const std::string host = local.substr(0, colon);
    const int port = std::stoi(local.substr(colon + 1), nullptr, 16);
    // 127.0.0.0/8 (Docker's resolver listens on 127.0.0.11), written
    // little-endian, or ::1.
    const bool loopback =
        (host.size() == 8 && host.substr(6) == "7F") || host == "00000000000000000000000001000000";
    if (!loopback) ports.insert(port);
  }
  return ports;
}

TEST(BottleIsolation, TheAgentReachesTheBundlesFourPortsAndNothingElse) {
  // A service on the Docker host listening on every address, as a developer's
  // database or dev server would.
  const auto site = bottle_test::scratch_dir("host-listener");
  std::ofstream(site / "index.html") << "host-listener\n";
  bottle_test::Process listener({"python3", "-u", "-m", "http.server", std::to_string(kHostPort),
                                 "--bind", "::", "--directory", site.string()});
  const auto serving = listener.stdout_line(20s);
  ASSERT_TRUE(serving && serving->find("Serving HTTP") != std::string::npos);

  Bottle b("e2e-isolation", 3);
  Bottle other("e2e-isolation-b", 4);

  // The positive control: an ordinary bridge network does reach the host's
  // listener, so a probe that answers nothing proves something.
  const std::string docker0 = host_address_on("bridge");
  ASSERT_FALSE(docker0.empty()) << "no address of the host on Docker's default bridge";
  const CommandResult control =
      run({"docker", "run", "--rm", "--network", "bridge", "--entrypoint", "curl",
           "claude-bottle-agent:latest", "-sS", "--connect-timeout", "5",
           "http://" + docker0 + ":" + std::to_string(kHostPort) + "/"});
  ASSERT_EQ(control.code, 0) << control.output;
  ASSERT_THAT(control.output, HasSubstr("host-listener"));

  std::vector<std::string> must_not_answer;
  for (const auto& a : host_addresses()) must_not_answer.push_back(url_for(a, kHostPort));
  // The internal network's former gateway, which no bridge carries now.
  const std::string internal_gateway = host_address_on("claude-bottle-e2e-isolation-internal");
  if (!internal_gateway.empty()) {
    must_not_answer.push_back("http://" + internal_gateway + ":" + std::to_string(kHostPort) + "/");
  }
  // The egress network: its gateway and the stand-in upstream on it.
  const std::string upstream_ip =
      inspect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", b.upstream_container());
  must_not_answer.push_back("http://" + upstream_ip + "/hello");
  // The second bottle's containers, on every network they are on, at the
  // bundle's ports.
  for (const std::string& c : {other.agent_container(), other.sidecars_container()}) {
    std::istringstream ips(inspect("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", c));
    for (std::string ip; ips >> ip;) {
      for (int port : {8888, 8080, 9418, 8765}) {
        must_not_answer.push_back("http://" + ip + ":" + std::to_string(port) + "/");
      }
    }
  }
  const auto answered = reachable_from_agent(b, must_not_answer);
  EXPECT_TRUE(answered.empty()) << "reachable around pipelock: "
                                << ::testing::PrintToString(answered);

  // Every port the sidecars listen on beyond loopback: exactly the bundle's
  // four, and each of them answers the agent.
  const std::string sidecars_ip = inspect(
      "{{(index .NetworkSettings.Networks \"claude-bottle-e2e-isolation-internal\").IPAddress}}",
      b.sidecars_container());
  const std::set<int> listening = sidecars_listening_ports(b);
  EXPECT_EQ(listening, (std::set<int>{8080, 8765, 8888, 9418}));
  std::vector<std::string> bundle_urls;
  for (int port : listening)
    bundle_urls.push_back("http://" + sidecars_ip + ":" + std::to_string(port) + "/");
  EXPECT_EQ(reachable_from_agent(b, bundle_urls).size(), listening.size());

  // No IPv6 in the agent at all, so no link-local route to the host's bridges.
  const CommandResult v6 = b.agent("cat /proc/net/if_inet6 2>/dev/null | wc -l");
  EXPECT_EQ(v6.output, "0\n") << v6.output;
  // An outside name does not resolve (and cannot carry data out through DNS).
  const CommandResult lookup = b.agent("getent hosts example.com; echo exit=$?");
  EXPECT_THAT(lookup.output, HasSubstr("exit=2")) << lookup.output;

  EXPECT_EQ(other.stop_and_list_leftovers(), "");
  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

TEST(BottleIsolation, AForkLoopStopsAtThePidsLimitAndDockerShowsTheLimits) {
  Bottle b("e2e-limits", 5, "      limits: {pids: 128, memory: 256m, cpus: 1}\n");
  EXPECT_EQ(inspect("{{.HostConfig.PidsLimit}}", b.agent_container()), "128");
  EXPECT_EQ(inspect("{{.HostConfig.Memory}}", b.agent_container()), std::to_string(256 << 20));
  EXPECT_EQ(inspect("{{.HostConfig.NanoCpus}}", b.agent_container()), "1000000000");

  // A loop that forks far past the limit: the fork fails, the host is unharmed.
  const CommandResult bomb = b.agent(
      "i=0; while [ $i -lt 400 ]; do sleep 30 & i=$((i+1)); done 2>&1 | tail -n 1; "
      "echo procs=$(ls /proc | grep -c '^[0-9]')");
  EXPECT_THAT(bomb.output, HasSubstr("fork")) << bomb.output;
  const auto at = bomb.output.find("procs=");
  ASSERT_NE(at, std::string::npos) << bomb.output;
  EXPECT_LE(std::stoi(bomb.output.substr(at + 6)), 128) << bomb.output;
  // Only the loop's sleeps: the container's own command is `sleep infinity`.
  b.agent("pkill -x -f 'sleep 30'");
  // The bottle still works once the loop is gone.
  const auto after = b.agent(std::string("curl -sS http://") + kApiHost + "/hello");
  EXPECT_EQ(after.output, "hello from the upstream\n") << after.output;
  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

}  // namespace
}  // namespace bottle_e2e
