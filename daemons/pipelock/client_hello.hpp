#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pipelock {

// Reads the server name (SNI) from the TLS ClientHello at the start of a
// tunnel, as its bytes arrive. Everything in it is attacker input: every
// length is checked against what is left, the handshake is bounded, and what
// TLS forbids but a lenient server might still accept (two server_name
// extensions, two host names, a name that is not a hostname) is refused as
// malformed rather than guessed at.
class ClientHelloReader {
 public:
  enum class State {
    need_more,  // feed more bytes
    not_tls,    // the first bytes are not a TLS handshake record
    done,       // a whole ClientHello was read; server_name() says what it names
    malformed,  // a TLS handshake that does not hold a well-formed ClientHello
  };

  // Largest ClientHello accepted (post-quantum key shares make them ~2 KiB).
  static constexpr std::size_t kMaxHandshake = 16 * 1024;

  // Takes the tunnel's next bytes; once not need_more, further calls change nothing.
  State feed(std::string_view bytes);
  State state() const { return state_; }
  // The SNI host name, lower-cased; nullopt when the ClientHello has none.
  const std::optional<std::string>& server_name() const { return server_name_; }
  // Why it is malformed.
  const std::string& problem() const { return problem_; }

 private:
  State fail(const std::string& why);
  State parse_client_hello(std::string_view body);

  State state_ = State::need_more;
  std::string records_;    // raw bytes received, not yet split into records
  std::string handshake_;  // handshake bytes gathered from the records
  std::optional<std::string> server_name_;
  std::string problem_;
};

}  // namespace pipelock
