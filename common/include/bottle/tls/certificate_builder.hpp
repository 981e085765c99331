#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bottle::tls {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;

// A new P-256 key (ECDSA), the kind every certificate here carries.
PkeyPtr new_p256_key(const std::string& purpose);

// Builds one X.509 v3 certificate, for the host tool's CAs and pipelock's
// leaf certificates alike. Every step that OpenSSL refuses throws
// std::runtime_error "<purpose>: <step>: <OpenSSL's reason>".
class CertificateBuilder {
 public:
  explicit CertificateBuilder(std::string purpose);

  // 16 random bytes, positive, as RFC 5280 asks.
  CertificateBuilder& random_serial();
  // Valid from `not_before` to `not_after` (seconds since the epoch).
  CertificateBuilder& validity(std::time_t not_before, std::time_t not_after);
  // Subject entries in order: {"O", "claude-bottle"}, {"CN", host}.
  CertificateBuilder& subject(const std::vector<std::pair<std::string, std::string>>& entries);
  // Issued by `ca` (its subject becomes the issuer); without a call the
  // certificate is self-issued.
  CertificateBuilder& issuer(X509* ca);
  CertificateBuilder& public_key(EVP_PKEY* key);
  // An extension in OpenSSL's configuration syntax ("critical,CA:TRUE").
  CertificateBuilder& extension(int nid, const std::string& value);
  // Signs with `key` (SHA-256) and hands the certificate over.
  X509Ptr sign(EVP_PKEY* key);

 private:
  [[noreturn]] void fail(const std::string& step) const;
  void check(int ok, const std::string& step) const;

  std::string purpose_;
  X509Ptr cert_;
  X509* issuer_ = nullptr;
};

}  // namespace bottle::tls
