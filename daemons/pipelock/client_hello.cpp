#include "client_hello.hpp"

#include <cstdint>
#include <set>

#include "bottle/text/ascii.hpp"

namespace pipelock {

namespace {
constexpr std::uint8_t kHandshakeRecord = 0x16;
constexpr std::uint8_t kClientHello = 0x01;
constexpr std::uint16_t kServerNameExtension = 0x0000;
constexpr std::size_t kMaxRecord = (1 << 14) + 2048;  // TLSCiphertext bound

// A cursor over bytes that never reads past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool u8(std::uint8_t* v) {
    if (s_.size() < 1) return false;
    *v = static_cast<std::uint8_t>(s_[0]);
    s_.remove_prefix(1);
    return true;
  }
  bool u16(std::uint16_t* v) {
    if (s_.size() < 2) return false;
    *v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(s_[0]) << 8) |
                                    static_cast<std::uint8_t>(s_[1]));
    s_.remove_prefix(2);
    return true;
  }
  bool bytes(std::size_t n, std::string_view* out) {
    if (s_.size() < n) return false;
    *out = s_.substr(0, n);
    s_.remove_prefix(n);
    return true;
  }
  // A vector with a length prefix of 1 or 2 bytes.
  bool vec8(std::string_view* out) {
    std::uint8_t n;
    return u8(&n) && bytes(n, out);
  }
  bool vec16(std::string_view* out) {
    std::uint16_t n;
    return u16(&n) && bytes(n, out);
  }
  bool empty() const { return s_.empty(); }

 private:
  std::string_view s_;
};

// What TLS allows in a host_name (RFC 6066: a DNS hostname, no trailing dot)
// and what pipelock can compare with a CONNECT host.
bool is_dns_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.back() == '.') return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return true;
}
}  // namespace

ClientHelloReader::State ClientHelloReader::fail(const std::string& why) {
  problem_ = why;
  state_ = State::malformed;
  return state_;
}

ClientHelloReader::State ClientHelloReader::feed(std::string_view bytes) {
  if (state_ != State::need_more) return state_;
  records_.append(bytes);
  if (handshake_.empty() && !records_.empty() &&
      (static_cast<std::uint8_t>(records_[0]) != kHandshakeRecord ||
       (records_.size() >= 2 && records_[1] != 0x03))) {
    state_ = State::not_tls;
    return state_;
  }
  // Whether the handshake bytes so far hold the whole ClientHello: records
  // after it (TLS 1.3's compatibility ChangeCipherSpec, early data) are the
  // connection's, not the hello's, and are left unread.
  auto hello_complete = [this] {
    if (handshake_.size() < 4) return false;
    const std::size_t length =
        (static_cast<std::size_t>(static_cast<std::uint8_t>(handshake_[1])) << 16) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(handshake_[2])) << 8) |
        static_cast<std::uint8_t>(handshake_[3]);
    return handshake_.size() >= 4 + length;
  };
  // Split whole records off; a ClientHello may span several.
  while (records_.size() >= 5 && !hello_complete()) {
    Cursor c(records_);
    std::uint8_t type, major, minor;
    std::uint16_t length;
    c.u8(&type);
    c.u8(&major);
    c.u8(&minor);
    c.u16(&length);
    if (type != kHandshakeRecord) return fail("a non-handshake record inside the ClientHello");
    if (major != 0x03) return fail("record version is not TLS");
    if (length == 0 || length > kMaxRecord) return fail("record length out of range");
    if (records_.size() < 5u + length) break;
    handshake_.append(records_, 5, length);
    records_.erase(0, 5u + length);
    if (handshake_.size() > kMaxHandshake + 4) return fail("ClientHello larger than 16 KiB");
  }
  if (handshake_.size() < 4) return state_;
  Cursor h(handshake_);
  std::uint8_t msg_type, l0;
  std::uint16_t l12;
  h.u8(&msg_type);
  h.u8(&l0);
  h.u16(&l12);
  const std::size_t length = (static_cast<std::size_t>(l0) << 16) | l12;
  if (msg_type != kClientHello) return fail("the first handshake message is not a ClientHello");
  if (length > kMaxHandshake) return fail("ClientHello larger than 16 KiB");
  if (handshake_.size() < 4 + length) return state_;  // more records to come
  return parse_client_hello(std::string_view(handshake_).substr(4, length));
}

ClientHelloReader::State ClientHelloReader::parse_client_hello(std::string_view body) {
  Cursor c(body);
  std::string_view version, random, session, ciphers, compression;
  if (!c.bytes(2, &version) || !c.bytes(32, &random) || !c.vec8(&session) || session.size() > 32 ||
      !c.vec16(&ciphers) || ciphers.empty() || ciphers.size() % 2 != 0 || !c.vec8(&compression) ||
      compression.empty()) {
    return fail("truncated or inconsistent ClientHello fields");
  }
  if (c.empty()) {
    state_ = State::done;  // no extensions, so no server name
    return state_;
  }
  std::string_view extensions;
  if (!c.vec16(&extensions) || !c.empty()) return fail("bad extensions length");
  Cursor e(extensions);
  std::set<std::uint16_t> seen;
  while (!e.empty()) {
    std::uint16_t type;
    std::string_view data;
    if (!e.u16(&type) || !e.vec16(&data)) return fail("truncated extension");
    if (!seen.insert(type).second) return fail("an extension appears twice");
    if (type != kServerNameExtension) continue;
    Cursor s(data);
    std::string_view list;
    if (!s.vec16(&list) || !s.empty() || list.empty()) return fail("bad server_name extension");
    Cursor l(list);
    while (!l.empty()) {
      std::uint8_t name_type;
      std::string_view name;
      if (!l.u8(&name_type) || !l.vec16(&name)) return fail("truncated server name");
      if (name_type != 0) continue;  // only host_name is defined
      if (server_name_) return fail("two host names in server_name");
      if (!is_dns_hostname(name)) return fail("the server name is not a DNS hostname");
      server_name_ = bottle::text::ascii_lower(name);
    }
  }
  state_ = State::done;
  return state_;
}

}  // namespace pipelock
