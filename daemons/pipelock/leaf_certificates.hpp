#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <ctime>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "bottle/tls/certificate_builder.hpp"

namespace pipelock {

// The certificates pipelock presents to the agent for the hosts it
// intercepts: ECDSA P-256, CN and SAN the CONNECT host (a DNS name, or an IP
// address for an IP literal), signed by the bottle's pipelock CA (which the
// agent trusts), valid from an hour ago (clocks in containers lag) for
// `ttl`, never past the CA's own end. Kept in an LRU of `cache_size`; one
// with less than a tenth of its life left is minted again. One key serves
// every leaf: minting a key per host costs more than the certificate, and
// the key never leaves this process.
class LeafCertificates {
 public:
  // Throws std::runtime_error naming the file when the CA cannot be read,
  // or when the key is not the certificate's.
  LeafCertificates(const std::string& ca_cert_file, const std::string& ca_key_file,
                   std::chrono::seconds ttl, std::size_t cache_size);

  // A server session's SSL for one intercepted connection to `host`: TLS 1.2
  // or later, ALPN http/1.1 only (a client offering only h2 is refused in the
  // handshake), presenting the host's leaf. The caller owns it.
  SSL* new_server_ssl(const std::string& host);

  // How many certificates were minted (a cache hit mints none).
  std::size_t minted() const { return minted_; }

 private:
  struct Cached {
    bottle::tls::X509Ptr cert;
    std::time_t renew_after = 0;
    std::list<std::string>::iterator age;
  };
  X509* leaf_for(const std::string& host);
  bottle::tls::X509Ptr mint(const std::string& host, std::time_t now, std::time_t* renew_after);

  bottle::tls::X509Ptr ca_cert_;
  bottle::tls::PkeyPtr ca_key_;
  bottle::tls::PkeyPtr leaf_key_;
  std::time_t ca_not_after_ = 0;
  std::chrono::seconds ttl_;
  std::size_t cache_size_;
  std::unordered_map<std::string, Cached> cache_;
  std::list<std::string> by_age_;  // most recently used first
  std::size_t minted_ = 0;
  struct FreeCtx {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, FreeCtx> ctx_;
};

}  // namespace pipelock
