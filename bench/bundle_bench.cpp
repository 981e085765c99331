// The operation the bundle exists for, timed end to end in real Docker: a
// live change made on the host, seen from inside the agent. One bottle is
// booted as the Docker tests boot one (tests/docker/bottle_harness), then,
// ROUNDS times each (default 20):
//   - allowlist: `bottle pipelock add` (pipelock restarts in place on SIGUSR1);
//   - route: `bottle routes add` (egress reloads on SIGHUP);
//   - reference: the same allowlist change made the way the system this
//     project re-creates first made it: the file written, then `docker
//     restart` of the sidecars container.
// For each change: how long the command took (the docker CLI included), and
// from its return to the first request from inside the agent that succeeds
// (a loop in the agent, started and retrying before the change, stamps the
// moment; the host and the containers share one clock). After each change
// the agent's MCP session, opened once at the start, is used again: the
// count of changes it survived is printed too. Run by bench/run-bundle-bench.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "bottle/config/atomic_file.hpp"
#include "bottle_harness.hpp"
#include "pipelock_document.hpp"

using namespace bottle_e2e;

namespace {

// Whether the session still answers a tool call (it does not once supervise
// has restarted: sessions live in its memory).
bool session_alive(const Bottle& b, const std::string& session) {
  return call_tool(b, session, "get_allowlist").find("\"result\"") != std::string::npos;
}

struct Round {
  double command_ms = 0;  // the host command, docker CLI included
  double visible_ms = 0;  // from its return to the agent's first success
};

// Starts `request` in a loop in the agent, waits until it is looping (and
// failing), runs `change` on the host, and reads when the loop first got
// through.
Round timed_change(const Bottle& b, const std::string& request,
                   const std::function<void()>& change) {
  // Paced by 10 ms: a loop of bare process starts would take a core from
  // the two the change itself runs on.
  auto loop = b.agent_background("echo looping; until " + request +
                                 " >/dev/null 2>&1; do sleep 0.01; done; date +%s.%N");
  const auto first = loop->stdout_line(30s);
  if (!first || *first != "looping") throw std::runtime_error("the agent's loop did not start");
  // One failed try at least before the change: the loop is running.
  const auto refused = b.agent(request + " >/dev/null 2>&1");
  if (refused.code == 0) throw std::runtime_error("already reachable before the change");
  const double t0 = now_s();
  change();
  const double t1 = now_s();
  const auto stamp = loop->stdout_line(120s);
  if (!stamp) throw std::runtime_error("the agent never got through after the change");
  return {(t1 - t0) * 1000, (std::stod(*stamp) - t1) * 1000};
}

void must(const CommandResult& r, const std::string& what) {
  if (r.code != 0) throw std::runtime_error(what + ": " + r.output);
}

// Waits until `request` fails from inside the agent (a change undone).
void until_refused(const Bottle& b, const std::string& request) {
  must(b.agent("i=0; while " + request + " >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 2000 ] || " +
               "exit 1; done"),
       "the change was not undone");
}

struct Series {
  std::string name;
  std::vector<Round> rounds;
  int sessions_alive = 0;
};

// A line for bench/run-all's table (bench/summary.py), when it asks for one.
void record(const std::string& bench, const std::string& figure, double value,
            const std::string& unit, const std::string& anchor, double anchor_value,
            bool higher_is_better = true) {
  const char* path = std::getenv("BENCH_SUMMARY");
  if (!path) return;
  std::ofstream(path, std::ios::app) << nlohmann::json{{"bench", bench},
                                                       {"figure", figure},
                                                       {"value", value},
                                                       {"unit", unit},
                                                       {"anchor", anchor},
                                                       {"anchor_value", anchor_value},
                                                       {"higher_is_better", higher_is_better}}
                                            .dump()
                                     << "\n";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0
                   : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

void print(const std::vector<Series>& all) {
  std::printf(
      "| change                         | command ms (median) | then visible ms (median / max) | "
      "total ms (median / max) | MCP session survived |\n");
  std::printf(
      "|--------------------------------|---------------------|--------------------------------|-"
      "------------------------|----------------------|\n");
  for (const auto& s : all) {
    std::vector<double> cmd, vis, tot;
    for (const auto& r : s.rounds) {
      cmd.push_back(r.command_ms);
      vis.push_back(r.visible_ms);
      tot.push_back(r.command_ms + r.visible_ms);
    }
    std::printf("| %-30s | %19.0f | %14.0f / %13.0f | %10.0f / %10.0f | %13d of %4zu |\n",
                s.name.c_str(), median(cmd), median(vis), *std::max_element(vis.begin(), vis.end()),
                median(tot), *std::max_element(tot.begin(), tot.end()), s.sessions_alive,
                s.rounds.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  try {
    Bottle b("bench-bundle", 61);
    const std::string session = open_mcp_session(b);
    const std::string allowed_request =
        std::string("curl -sf --max-time 5 --cacert /workspace/upstream-ca.pem https://") +
        kOtherHost + "/hello";
    const std::string routed_request =
        std::string("curl -sf --max-time 5 -o /dev/null http://egress:8080/") + kOtherHost +
        "/echo";
    std::vector<Series> all;

    Series allow{"allowlist: bottle pipelock add", {}, 0};
    for (int i = 0; i < rounds; ++i) {
      allow.rounds.push_back(timed_change(b, allowed_request, [&] {
        must(b.bottle({"pipelock", "add", b.name(), kOtherHost}), "pipelock add");
      }));
      allow.sessions_alive += session_alive(b, session);
      must(b.bottle({"pipelock", "remove", b.name(), kOtherHost}), "pipelock remove");
      until_refused(b, allowed_request);
      std::fprintf(stderr, "allowlist %d: %.0f + %.0f ms\n", i + 1, allow.rounds.back().command_ms,
                   allow.rounds.back().visible_ms);
    }
    all.push_back(allow);

    Series route{"route: bottle routes add", {}, 0};
    for (int i = 0; i < rounds; ++i) {
      route.rounds.push_back(timed_change(b, routed_request, [&] {
        must(b.bottle({"routes", "add", b.name(), "--host", kOtherHost, "--upstream",
                       std::string("https://") + kApiHost, "--header", "X-Api-Key", "--value",
                       "{token}", "--token-env", "E2E_TOKEN"}),
             "routes add");
      }));
      route.sessions_alive += session_alive(b, session);
      must(b.bottle({"routes", "remove", b.name(), kOtherHost}), "routes remove");
      until_refused(b, routed_request);
      std::fprintf(stderr, "route %d: %.0f + %.0f ms\n", i + 1, route.rounds.back().command_ms,
                   route.rounds.back().visible_ms);
    }
    all.push_back(route);

    // The reference: the file changed as `pipelock add` changes it, then the
    // whole sidecars container restarted.
    const auto yaml = b.state_dir() / "pipelock" / "pipelock.yaml";
    const std::string original = bottle::config::read_file(yaml);
    Series restart{"reference: docker restart", {}, 0};
    const std::string reference_session = open_mcp_session(b);
    for (int i = 0; i < rounds; ++i) {
      const std::string session_now = i == 0 ? reference_session : open_mcp_session(b);
      restart.rounds.push_back(timed_change(b, allowed_request, [&] {
        auto doc = host_tools::PipelockDocument::parse(original, yaml.string());
        auto hosts = doc.allowlist();
        hosts.push_back(kOtherHost);
        doc.set_allowlist(hosts);
        bottle::config::write_file_atomically(yaml, doc.render());
        must(run({"docker", "restart", b.sidecars_container()}), "docker restart");
      }));
      restart.sessions_alive += session_alive(b, session_now);
      bottle::config::write_file_atomically(yaml, original);
      must(run({"docker", "restart", b.sidecars_container()}), "docker restart");
      until_refused(b, allowed_request);
      std::fprintf(stderr, "restart %d: %.0f + %.0f ms\n", i + 1, restart.rounds.back().command_ms,
                   restart.rounds.back().visible_ms);
    }
    all.push_back(restart);

    std::printf("Live changes seen from inside the agent, %d of each, one bottle, %s\n\n", rounds,
                "the agent's request retried in a loop from before the change");
    print(all);
    std::vector<double> live, ref;
    for (const auto& r : all[0].rounds) live.push_back(r.command_ms + r.visible_ms);
    for (const auto& r : all[2].rounds) ref.push_back(r.command_ms + r.visible_ms);
    std::printf("\nallowlist change vs docker restart, total median: %.1fx faster\n",
                median(ref) / median(live));
    std::vector<double> routed;
    for (const auto& r : all[1].rounds) routed.push_back(r.command_ms + r.visible_ms);
    record("bundle", "allowlist change, command to agent (median)", median(live), "ms",
           "docker restart", median(ref), false);
    record("bundle", "route change, command to agent (median)", median(routed), "ms",
           "docker restart", median(ref), false);
    record("bundle", "MCP sessions surviving the live changes",
           all[0].sessions_alive + all[1].sessions_alive, "sessions", "changes made", 2.0 * rounds);
    record("bundle", "MCP sessions surviving docker restart", all[2].sessions_alive, "sessions",
           "changes made", rounds);
    const std::string left = b.stop_and_list_leftovers();
    if (!left.empty()) std::fprintf(stderr, "left behind: %s\n", left.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bundle bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
