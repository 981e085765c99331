#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tls_context.hpp"

namespace egress {

// The client side of one TLS session, run over memory buffers so that the
// event loop owns the socket: ciphertext from the network goes into
// receive(), ciphertext for the network comes out of take_output(). The peer
// must present a certificate valid for `host` (name or IP literal).
class TlsClient {
 public:
  TlsClient(const TlsContext& ctx, const std::string& host);
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Starts the handshake (its first flight is then in take_output()).
  void start();
  // Takes ciphertext read from the network; appends whatever plaintext it
  // completes to `plaintext`. Returns why the session failed (a certificate
  // that does not verify, a protocol error), or nothing.
  std::optional<std::string> receive(std::string_view ciphertext, std::string& plaintext);
  // Queues plaintext to send; held back until the handshake is done.
  void send(std::string_view plaintext);
  std::string take_output();
  bool established() const { return established_; }
  // The peer ended the session cleanly (close_notify).
  bool peer_closed() const { return peer_closed_; }

 private:
  std::optional<std::string> failure(int rc);
  struct Free {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::unique_ptr<SSL, Free> ssl_;
  BIO* network_in_ = nullptr;   // owned by ssl_
  BIO* network_out_ = nullptr;  // owned by ssl_
  std::string host_;
  std::string pending_;
  bool established_ = false;
  bool peer_closed_ = false;
};

}  // namespace egress
