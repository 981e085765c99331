#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace bottle::tls {

// The client TLS settings every upstream connection of a daemon shares:
// TLS 1.2 or later, peer verification always on, trusting the system's CA
// set plus the extra CA files given (pipelock's per-bottle CA for egress; an
// operator's own for private upstreams). There is deliberately no way to
// turn verification off.
class ClientContext {
 public:
  // Throws std::runtime_error naming the file that cannot be loaded.
  explicit ClientContext(const std::vector<std::string>& extra_ca_files);
  SSL_CTX* get() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
};

// The first error on OpenSSL's error queue, as text (and the queue cleared).
std::string openssl_error(const std::string& fallback);

}  // namespace bottle::tls
