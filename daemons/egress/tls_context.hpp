#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace egress {

// The client TLS settings every upstream connection shares: TLS 1.2 or
// later, peer verification always on, trusting the system's CA set plus the
// extra CA files egress was given (pipelock's per-bottle CA, should pipelock
// intercept TLS). There is deliberately no way to turn verification off.
class TlsContext {
 public:
  // Throws std::runtime_error naming the file that cannot be loaded.
  explicit TlsContext(const std::vector<std::string>& extra_ca_files);
  SSL_CTX* get() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
};

// The first error on OpenSSL's error queue, as text (and the queue cleared).
std::string openssl_error(const std::string& fallback);

}  // namespace egress
