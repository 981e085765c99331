#include "forwarded_heads.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <set>
#include <sstream>

#include "bottle/http/response.hpp"
#include "bottle/text/ascii.hpp"

namespace egress {

namespace http = boost::beast::http;

namespace {

// Headers about one hop, which never travel on, plus those the Connection
// header names; the framing headers egress sets itself.
std::set<std::string> dropped_headers(const http::fields& in) {
  std::set<std::string> drop = {"connection",
                                "keep-alive",
                                "proxy-connection",
                                "proxy-authorization",
                                "proxy-authenticate",
                                "te",
                                "trailer",
                                "transfer-encoding",
                                "upgrade",
                                "content-length"};
  const auto [first, last] = in.equal_range(http::field::connection);
  for (auto it = first; it != last; ++it) {
    std::string_view list(it->value().data(), it->value().size());
    std::size_t start = 0;
    for (;;) {
      const std::size_t end = list.find(',', start);
      std::string_view token =
          list.substr(start, end == std::string_view::npos ? end : end - start);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      if (!token.empty()) drop.insert(bottle::text::ascii_lower(token));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  return drop;
}

template <bool isRequest>
void copy_fields(const http::header<isRequest>& in, http::header<isRequest>& out,
                 const std::set<std::string>& drop) {
  for (const auto& f : in) {
    const std::string_view name(f.name_string().data(), f.name_string().size());
    if (drop.count(bottle::text::ascii_lower(name))) continue;
    out.insert(f.name_string(), f.value());
  }
}

template <class Header>
void set_framing(Header& out, Framing body) {
  if (body.kind == Framing::kLength) {
    out.set(http::field::content_length, std::to_string(body.length));
  } else if (body.kind == Framing::kChunked) {
    out.set(http::field::transfer_encoding, "chunked");
  }
}

template <class Header>
std::string serialized(const Header& h) {
  std::ostringstream out;
  out << h;
  return out.str();
}

}  // namespace

UpstreamUrl UpstreamUrl::parse(const std::string& https_url) {
  UpstreamUrl u;
  std::string_view rest = std::string_view(https_url).substr(std::string_view("https://").size());
  const std::size_t slash = rest.find('/');
  u.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    u.base_path = std::string(rest.substr(slash));
    while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  }
  u.host = u.authority;
  if (std::size_t colon = u.authority.rfind(':'); colon != std::string::npos) {
    u.host = u.authority.substr(0, colon);
    u.port = std::stoi(u.authority.substr(colon + 1));
    if (u.port == 443) u.authority = u.host;
  }
  return u;
}

std::string upstream_request_head(const http::request_header<>& agent, const AgentTarget& target,
                                  const bottle::config::Route& route, std::string_view token,
                                  const UpstreamUrl& upstream, Framing body) {
  http::request_header<> out;
  out.method_string(agent.method_string());
  out.version(11);
  out.target(upstream.base_path + target.path + (target.query.empty() ? "" : "?" + target.query));
  std::set<std::string> drop = dropped_headers(agent);
  // The agent's own value for the route's header must never reach upstream
  // beside (or instead of) the operator's.
  drop.insert(bottle::text::ascii_lower(route.header));
  // egress answers "Expect: 100-continue" itself, before it dials.
  drop.insert("expect");
  drop.insert("host");
  drop.insert("accept-encoding");
  copy_fields(agent, out, drop);
  out.set(http::field::host, upstream.authority);
  // The reflection guard reads every response body; a compressed one it
  // would have to decode first (it does, for an upstream that compresses
  // regardless), so compression is declined at the source.
  out.set(http::field::accept_encoding, "identity");
  std::string value = route.value;
  value.replace(value.find("{token}"), 7, token);
  out.set(route.header, value);
  set_framing(out, body);
  // HTTP/1.1 keeps the connection by default: egress reuses it for the
  // agent's next request to the same upstream.
  return serialized(out);
}

std::string agent_response_head(const http::response_header<>& upstream, Framing body,
                                bool keep_alive, bool decoded) {
  http::response_header<> out;
  out.result(upstream.result_int());
  out.reason(upstream.reason());
  out.version(11);
  std::set<std::string> drop = dropped_headers(upstream);
  if (body.kind == Framing::kNone && !decoded) drop.erase("content-length");
  if (decoded) drop.insert("content-encoding");
  copy_fields(upstream, out, drop);
  set_framing(out, body);
  out.set(http::field::connection, keep_alive ? "keep-alive" : "close");
  return serialized(out);
}

std::string local_response(int status, const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& extra) {
  bottle::http::HeaderList headers = extra;
  headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return bottle::http::complete_response(static_cast<unsigned>(status), headers, body);
}

}  // namespace egress
