#include "bottle/tls/certificate_builder.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace bottle::tls {

namespace {

std::string reason() {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

PkeyPtr new_p256_key(const std::string& purpose) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error(purpose + ": generate a P-256 key: " + reason());
  return key;
}

CertificateBuilder::CertificateBuilder(std::string purpose)
    : purpose_(std::move(purpose)), cert_(X509_new()) {
  if (!cert_) fail("allocate a certificate");
  check(X509_set_version(cert_.get(), X509_VERSION_3), "set version");
}

void CertificateBuilder::fail(const std::string& step) const {
  throw std::runtime_error(purpose_ + ": " + step + ": " + reason());
}

void CertificateBuilder::check(int ok, const std::string& step) const {
  if (ok != 1) fail(step);
}

CertificateBuilder& CertificateBuilder::random_serial() {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes), "random serial");
  bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>> serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert_.get()))) {
    fail("set serial");
  }
  return *this;
}

CertificateBuilder& CertificateBuilder::validity(std::time_t not_before, std::time_t not_after) {
  if (!X509_time_adj_ex(X509_getm_notBefore(cert_.get()), 0, 0, &not_before) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert_.get()), 0, 0, &not_after)) {
    fail("set validity");
  }
  return *this;
}

CertificateBuilder& CertificateBuilder::subject(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  X509_NAME* name = X509_get_subject_name(cert_.get());
  for (const auto& [field, value] : entries) {
    check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0),
          "set " + field);
  }
  return *this;
}

CertificateBuilder& CertificateBuilder::issuer(X509* ca) {
  issuer_ = ca;
  return *this;
}

CertificateBuilder& CertificateBuilder::public_key(EVP_PKEY* key) {
  check(X509_set_pubkey(cert_.get(), key), "set public key");
  return *this;
}

CertificateBuilder& CertificateBuilder::extension(int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer_ ? issuer_ : cert_.get(), cert_.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("extension " + value);
  check(X509_add_ext(cert_.get(), ext.get(), -1), "add extension " + value);
  return *this;
}

X509Ptr CertificateBuilder::sign(EVP_PKEY* key) {
  X509_NAME* issuer_name =
      issuer_ ? X509_get_subject_name(issuer_) : X509_get_subject_name(cert_.get());
  check(X509_set_issuer_name(cert_.get(), issuer_name), "set issuer");
  if (X509_sign(cert_.get(), key, EVP_sha256()) == 0) fail("sign");
  return std::move(cert_);
}

}  // namespace bottle::tls
