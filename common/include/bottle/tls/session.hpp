#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bottle/tls/client_context.hpp"

namespace bottle::tls {

// One TLS session, either side, run over memory buffers so that the event
// loop owns the socket: ciphertext from the network goes into receive(),
// ciphertext for the network comes out of take_output(). No socket, no
// blocking call: the daemons' loops drive it.
class Session {
 public:
  // The client side: the peer must present a certificate valid for `host`
  // (a name, sent as SNI, or an IP literal). ALPN offers http/1.1 only.
  static std::unique_ptr<Session> client(const ClientContext& ctx, const std::string& host);
  // The server side of `ssl` (set up with its certificate and key by the
  // caller), which the session takes over. `peer` names the client in errors.
  static std::unique_ptr<Session> server(SSL* ssl, const std::string& peer);

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A client's first flight (then in take_output()); nothing for a server.
  void start();
  // Takes ciphertext read from the network; appends whatever plaintext it
  // completes to `plaintext`. Returns why the session failed (a certificate
  // that does not verify, a protocol error), or nothing.
  std::optional<std::string> receive(std::string_view ciphertext, std::string& plaintext);
  // Queues plaintext to send; held back until the handshake is done.
  void send(std::string_view plaintext);
  // Queues close_notify after what was sent.
  void close();
  std::string take_output();
  bool established() const { return established_; }
  // The peer ended the session cleanly (close_notify).
  bool peer_closed() const { return peer_closed_; }

 private:
  struct Free {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  Session(SSL* ssl, std::string peer, bool client);
  std::optional<std::string> failure(int rc);

  std::unique_ptr<SSL, Free> ssl_;
  BIO* network_in_ = nullptr;   // owned by ssl_
  BIO* network_out_ = nullptr;  // owned by ssl_
  std::string peer_;
  bool client_;
  std::string pending_;
  bool established_ = false;
  bool peer_closed_ = false;
  bool close_pending_ = false;
};

}  // namespace bottle::tls
