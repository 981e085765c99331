#include "bottle/tls/session.hpp"

#include <arpa/inet.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <stdexcept>

namespace bottle::tls {

namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Session::Session(SSL* ssl, std::string peer, bool client)
    : ssl_(ssl), peer_(std::move(peer)), client_(client) {
  if (!ssl_) throw std::runtime_error("TLS: " + openssl_error("cannot create a session"));
  network_in_ = BIO_new(BIO_s_mem());
  network_out_ = BIO_new(BIO_s_mem());
  if (!network_in_ || !network_out_) {
    BIO_free(network_in_);
    BIO_free(network_out_);
    throw std::runtime_error("TLS: out of memory");
  }
  SSL_set_bio(ssl_.get(), network_in_, network_out_);
  if (client_) {
    SSL_set_connect_state(ssl_.get());
  } else {
    SSL_set_accept_state(ssl_.get());
  }
}

std::unique_ptr<Session> Session::client(const ClientContext& ctx, const std::string& host) {
  std::unique_ptr<Session> s(new Session(SSL_new(ctx.get()), host, true));
  SSL* ssl = s->ssl_.get();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn);
  return s;
}

std::unique_ptr<Session> Session::server(SSL* ssl, const std::string& peer) {
  return std::unique_ptr<Session>(new Session(ssl, peer, false));
}

void Session::start() {
  if (!client_) return;
  ERR_clear_error();
  SSL_do_handshake(ssl_.get());
}

std::optional<std::string> Session::failure(int rc) {
  const int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return std::nullopt;
  if (err == SSL_ERROR_ZERO_RETURN) {
    peer_closed_ = true;
    return std::nullopt;
  }
  if (client_) {
    const long verify = SSL_get_verify_result(ssl_.get());
    if (!established_ && verify != X509_V_OK) {
      ERR_clear_error();
      return "certificate of " + peer_ + " not trusted: " + X509_verify_cert_error_string(verify);
    }
  }
  return "TLS with " + peer_ + ": " + openssl_error("the session failed");
}

std::optional<std::string> Session::receive(std::string_view ciphertext, std::string& plaintext) {
  ERR_clear_error();
  if (!ciphertext.empty() &&
      BIO_write(network_in_, ciphertext.data(), static_cast<int>(ciphertext.size())) !=
          static_cast<int>(ciphertext.size())) {
    return "TLS: out of memory";
  }
  if (!established_) {
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc != 1) return failure(rc);
    established_ = true;
    if (!pending_.empty()) {
      std::string held = std::move(pending_);
      pending_.clear();
      send(held);
    }
    if (close_pending_) close();
  }
  // Decrypted straight into `plaintext`, reserved ahead for what came in
  // (the plaintext is never longer than the records that carry it): a bounce
  // buffer, and the string's regrowth, each cost a copy of every byte. One
  // SSL_read returns one record at most (16 KiB), and only that much is
  // zero-filled by resize() ahead of it.
  constexpr std::size_t kRecord = 16384;
  plaintext.reserve(plaintext.size() + ciphertext.size() + kRecord);
  for (;;) {
    const std::size_t at = plaintext.size();
    const std::size_t room = kRecord;
    plaintext.resize(at + room);
    const int n = SSL_read(ssl_.get(), plaintext.data() + at, static_cast<int>(room));
    plaintext.resize(at + static_cast<std::size_t>(std::max(n, 0)));
    if (n > 0) continue;
    return failure(n);
  }
}

void Session::send(std::string_view plaintext) {
  if (!established_) {
    pending_.append(plaintext);
    return;
  }
  ERR_clear_error();
  // A memory BIO takes everything, so one SSL_write per call writes it all.
  while (!plaintext.empty()) {
    const int n = SSL_write(ssl_.get(), plaintext.data(), static_cast<int>(plaintext.size()));
    if (n <= 0) break;
    plaintext.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Session::close() {
  if (!established_) {
    close_pending_ = true;
    return;
  }
  ERR_clear_error();
  SSL_shutdown(ssl_.get());
}

std::string Session::take_output() {
  // The memory BIO's buffer copied once, then emptied: read in pieces, or
  // into a string sized (and zero-filled) first, every byte costs more.
  BUF_MEM* pending = nullptr;
  BIO_get_mem_ptr(network_out_, &pending);
  if (pending == nullptr || pending->length == 0) return {};
  std::string out(pending->data, pending->length);
  (void)BIO_reset(network_out_);
  return out;
}

}  // namespace bottle::tls
