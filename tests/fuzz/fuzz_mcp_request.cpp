// supervise's MCP endpoint on a whole HTTP request (head and body) as the
// agent sends it: parsed by Beast with the limits supervise sets, then
// handled as supervise handles it, tools included (they read a fixed
// pipelock.yaml and routes.yaml and write proposals into a scratch folder).
// Every reply must be a well-formed answer, never a crash.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/beast/http/parser.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bottle/json/safe_json.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "fuzz_input.hpp"
#include "live_configs.hpp"
#include "mcp_dispatcher.hpp"
#include "mcp_endpoint.hpp"
#include "proposal_quota.hpp"
#include "session_registry.hpp"
#include "supervise_tools.hpp"

namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

struct World {
  fs::path dir = fs::temp_directory_path() / ("fuzz-supervise-" + std::to_string(::getpid()));
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  World() {
    fs::create_directories(dir / "proposals");
    std::ofstream(dir / "pipelock.yaml") << "api_allowlist: [api.example.com]\n";
    std::ofstream(dir / "routes.yaml")
        << "routes:\n  - {host: api.example.com, upstream: 'https://api.example.com', "
           "token_env: T}\n";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  static const supervise::LiveConfigs configs(world.dir / "pipelock.yaml",
                                              world.dir / "routes.yaml");
  static const bottle::proposals::ProposalStore store(world.dir / "proposals");
  static supervise::ProposalQuota quota(supervise::QuotaSettings{});
  static supervise::SuperviseTools tools(configs, store, quota, *world.log);
  static const supervise::McpDispatcher dispatcher(tools);
  static supervise::SessionRegistry sessions(16, std::chrono::minutes(30));
  static supervise::McpEndpoint endpoint(supervise::EndpointSettings{}, sessions, dispatcher);

  // A session to name, so that requests past initialize are reached too.
  static const std::string session = [] {
    supervise::HttpRequest init{http::verb::post, "/mcp", 11};
    init.set(http::field::host, "supervise:8765");
    init.set(http::field::content_type, "application/json");
    init.set(http::field::accept, "application/json, text/event-stream");
    init.body() =
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
        R"("capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})";
    init.prepare_payload();
    for (const auto& [name, value] : endpoint.handle(init).headers) {
      if (name == "Mcp-Session-Id") return value;
    }
    std::abort();
  }();

  std::string input(bottle_fuzz::text_of(data, size));
  // "@S" in the input stands for the live session's id.
  for (auto at = input.find("@S"); at != std::string::npos; at = input.find("@S", at + 1)) {
    input.replace(at, 2, session);
  }
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(input), ec);
  if (ec && ec != http::error::need_more) return 0;
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  const supervise::EndpointReply reply = endpoint.handle(parser.get());
  if (reply.status < 200 || reply.status > 599) std::abort();
  // An exception that escaped a request's handling is answered as an
  // internal error (500, or JSON-RPC's -32603), which keeps supervise alive;
  // an input that gets there is a defect all the same (four single requests
  // once ended the process from there).
  if (reply.status == 500) std::abort();
  try {
    const auto body = bottle::json::parse(reply.body);
    const auto error = body.is_object() ? body.find("error") : body.end();
    if (error != body.end() && error->is_object() && error->value("code", 0) == -32603) {
      std::abort();
    }
  } catch (const bottle::json::ParseError&) {
    // Not one JSON document (an event stream, an empty 202): nothing to read.
  }
  return 0;
}
