#include "ca_minter.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

#include "bottle/config/atomic_file.hpp"

namespace host_tools {

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

[[noreturn]] void openssl_fail(const std::string& what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "unknown error";
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error("cannot mint a CA: " + what + ": " + reason);
}

void check(int ok, const std::string& what) {
  if (ok != 1) openssl_fail(what);
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext) openssl_fail(std::string("extension ") + value);
  check(X509_add_ext(cert, ext.get(), -1), "add extension");
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

MintedCa mint_ca(const std::filesystem::path& dir, const std::string& common_name, int days) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) openssl_fail("generate a P-256 key");

  X509Ptr cert(X509_new());
  if (!cert) openssl_fail("allocate a certificate");
  check(X509_set_version(cert.get(), X509_VERSION_3), "set version");
  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof serial_bytes), "random serial");
  serial_bytes[0] &= 0x7f;  // a positive serial, as RFC 5280 asks
  BnPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    openssl_fail("set serial");
  }
  // An hour of slack for clocks in containers that run behind the host's.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days)) {
    openssl_fail("set validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("claude-bottle"), -1, -1,
                                   0),
        "set organisation");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0),
        "set common name");
  check(X509_set_issuer_name(cert.get(), name), "set issuer");
  check(X509_set_pubkey(cert.get(), key.get()), "set public key");
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) openssl_fail("sign");

  BioPtr key_pem(BIO_new(BIO_s_mem()));
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem) openssl_fail("allocate buffers");
  // The traditional form of an EC key is SEC1, "BEGIN EC PRIVATE KEY".
  check(PEM_write_bio_PrivateKey_traditional(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr),
        "write key");
  check(PEM_write_bio_X509(cert_pem.get(), cert.get()), "write certificate");

  MintedCa out{dir / "ca.pem", dir / "ca-key.pem"};
  bottle::config::write_file_atomically(out.key, bio_text(key_pem.get()), 0600);
  bottle::config::write_file_atomically(out.cert, bio_text(cert_pem.get()), 0644);
  return out;
}

}  // namespace host_tools
