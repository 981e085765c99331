#include "ca_minter.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <stdexcept>

#include "bottle/config/atomic_file.hpp"
#include "bottle/tls/certificate_builder.hpp"

namespace host_tools {

namespace {

std::string pem(int (*write)(BIO*, void*), void* object, const std::string& what) {
  std::unique_ptr<BIO, bottle::tls::OpenSslDeleter<BIO_free>> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) {
    throw std::runtime_error("cannot mint a CA: write " + what);
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

MintedCa mint_ca(const std::filesystem::path& dir, const std::string& common_name, int days) {
  const std::string purpose = "cannot mint a CA";
  bottle::tls::PkeyPtr key = bottle::tls::new_p256_key(purpose);
  const std::time_t now = std::time(nullptr);
  bottle::tls::X509Ptr cert =
      bottle::tls::CertificateBuilder(purpose)
          .random_serial()
          // An hour of slack for clocks in containers that run behind the host's.
          .validity(now - 3600, now + 86400L * days)
          .subject({{"O", "claude-bottle"}, {"CN", common_name}})
          .public_key(key.get())
          .extension(NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
          .extension(NID_key_usage, "critical,keyCertSign,cRLSign")
          .extension(NID_subject_key_identifier, "hash")
          .sign(key.get());

  // The traditional form of an EC key is SEC1, "BEGIN EC PRIVATE KEY".
  const std::string key_pem = pem(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey_traditional(bio, static_cast<EVP_PKEY*>(k), nullptr,
                                                    nullptr, 0, nullptr, nullptr);
      },
      key.get(), "key");
  const std::string cert_pem =
      pem([](BIO* bio, void* c) { return PEM_write_bio_X509(bio, static_cast<X509*>(c)); },
          cert.get(), "certificate");

  MintedCa out{dir / "ca.pem", dir / "ca-key.pem"};
  bottle::config::write_file_atomically(out.key, key_pem, 0600);
  bottle::config::write_file_atomically(out.cert, cert_pem, 0644);
  return out;
}

}  // namespace host_tools
