#include "leaf_certificates.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "bottle/tls/client_context.hpp"

namespace pipelock {

namespace {

const std::string kPurpose = "cannot mint a leaf certificate";

std::unique_ptr<FILE, int (*)(FILE*)> open_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!f) throw std::runtime_error(path + ": cannot be read");
  return f;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Only http/1.1: pipelock parses HTTP/1.1 inside the tunnel, and a client
// that can speak nothing else cannot be served.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned int i = 0; i < inlen;) {
    const unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == sizeof kHttp11 && std::equal(kHttp11, kHttp11 + len, in + i + 1)) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

LeafCertificates::LeafCertificates(const std::string& ca_cert_file, const std::string& ca_key_file,
                                   std::chrono::seconds ttl, std::size_t cache_size)
    : ttl_(ttl),
      cache_size_(std::max<std::size_t>(cache_size, 1)),
      ctx_(SSL_CTX_new(TLS_server_method())) {
  {
    auto f = open_file(ca_cert_file);
    ca_cert_.reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
    if (!ca_cert_) {
      throw std::runtime_error(
          ca_cert_file + ": not a PEM certificate: " + bottle::tls::openssl_error("unreadable"));
    }
  }
  {
    auto f = open_file(ca_key_file);
    ca_key_.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
    if (!ca_key_) {
      throw std::runtime_error(
          ca_key_file + ": not a PEM private key: " + bottle::tls::openssl_error("unreadable"));
    }
  }
  if (X509_check_private_key(ca_cert_.get(), ca_key_.get()) != 1) {
    bottle::tls::openssl_error("");
    throw std::runtime_error(ca_key_file + ": not the key of " + ca_cert_file);
  }
  struct tm end {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(ca_cert_.get()), &end) != 1) {
    throw std::runtime_error(ca_cert_file + ": unreadable validity");
  }
  ca_not_after_ = timegm(&end);
  leaf_key_ = bottle::tls::new_p256_key(kPurpose);
  if (!ctx_)
    throw std::runtime_error("TLS: " + bottle::tls::openssl_error("cannot create a context"));
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(ctx_.get(), select_alpn, nullptr);
  // Each intercepted session is new to the client: no tickets to keep.
  SSL_CTX_set_num_tickets(ctx_.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx_.get(), SSL_SESS_CACHE_OFF);
}

bottle::tls::X509Ptr LeafCertificates::mint(const std::string& host, std::time_t now,
                                            std::time_t* renew_after) {
  const std::time_t not_before = now - 3600;
  const std::time_t not_after = std::min<std::time_t>(now + ttl_.count(), ca_not_after_);
  if (not_after <= now) throw std::runtime_error(kPurpose + ": the pipelock CA has expired");
  *renew_after = not_after - (not_after - not_before) / 10;
  const std::string san = (is_ip_literal(host) ? "IP:" : "DNS:") + host;
  ++minted_;
  return bottle::tls::CertificateBuilder(kPurpose)
      .random_serial()
      .validity(not_before, not_after)
      .subject({{"CN", host}})
      .issuer(ca_cert_.get())
      .public_key(leaf_key_.get())
      .extension(NID_basic_constraints, "critical,CA:FALSE")
      .extension(NID_key_usage, "critical,digitalSignature")
      .extension(NID_ext_key_usage, "serverAuth")
      .extension(NID_subject_alt_name, san)
      .extension(NID_authority_key_identifier, "keyid")
      .sign(ca_key_.get());
}

X509* LeafCertificates::leaf_for(const std::string& host) {
  const std::time_t now = std::time(nullptr);
  auto it = cache_.find(host);
  if (it != cache_.end() && now < it->second.renew_after) {
    by_age_.splice(by_age_.begin(), by_age_, it->second.age);
    return it->second.cert.get();
  }
  std::time_t renew_after = 0;
  bottle::tls::X509Ptr cert = mint(host, now, &renew_after);
  if (it != cache_.end()) {
    it->second.cert = std::move(cert);
    it->second.renew_after = renew_after;
    by_age_.splice(by_age_.begin(), by_age_, it->second.age);
    return it->second.cert.get();
  }
  if (cache_.size() >= cache_size_) {
    cache_.erase(by_age_.back());
    by_age_.pop_back();
  }
  by_age_.push_front(host);
  auto& entry = cache_[host];
  entry.cert = std::move(cert);
  entry.renew_after = renew_after;
  entry.age = by_age_.begin();
  return entry.cert.get();
}

SSL* LeafCertificates::new_server_ssl(const std::string& host) {
  X509* leaf = leaf_for(host);
  SSL* ssl = SSL_new(ctx_.get());
  if (!ssl)
    throw std::runtime_error("TLS: " + bottle::tls::openssl_error("cannot create a session"));
  if (SSL_use_certificate(ssl, leaf) != 1 || SSL_use_PrivateKey(ssl, leaf_key_.get()) != 1) {
    SSL_free(ssl);
    throw std::runtime_error("TLS: " + bottle::tls::openssl_error("cannot present the leaf"));
  }
  return ssl;
}

}  // namespace pipelock
