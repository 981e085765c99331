// The certificates pipelock presents when it intercepts: for the host, from
// the bottle's CA, bounded in time, cached.
#include "leaf_certificates.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "ca_minter.hpp"

namespace {

namespace fs = std::filesystem;
using pipelock::LeafCertificates;

struct Ca {
  Ca() {
    std::string pattern = (fs::temp_directory_path() / "leaf-ca-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
    host_tools::mint_ca(dir, "leaf test CA", 30);
  }
  ~Ca() { fs::remove_all(dir); }
  std::string cert() const { return (dir / "ca.pem").string(); }
  std::string key() const { return (dir / "ca-key.pem").string(); }
  fs::path dir;
};

std::string san_of(X509* cert) {
  std::string out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out +=
          "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)));
    } else if (n->type == GEN_IPADD) {
      out += "IP:" + std::to_string(ASN1_STRING_length(n->d.iPAddress)) + " bytes";
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

X509* leaf(LeafCertificates& leaves, const std::string& host) {
  SSL* ssl = leaves.new_server_ssl(host);
  X509* cert = SSL_get_certificate(ssl);
  X509_up_ref(cert);
  SSL_free(ssl);
  return cert;
}

TEST(LeafCertificates, ALeafNamesTheHostAndVerifiesAgainstTheCa) {
  Ca ca;
  LeafCertificates leaves(ca.cert(), ca.key(), std::chrono::hours(24), 10);
  X509* cert = leaf(leaves, "api.example.com");
  EXPECT_EQ(san_of(cert), "DNS:api.example.com");
  EXPECT_EQ(X509_check_host(cert, "api.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "other.example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ca(cert), 0) << "a leaf must not be a CA";
  // Verified by the CA, as the agent's store does.
  X509_STORE* store = X509_STORE_new();
  X509_STORE_load_file(store, ca.cert().c_str());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  // Valid for the ttl (plus the hour of slack before now), no longer.
  int days = 0, seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  EXPECT_EQ(days * 86400 + seconds, 25 * 3600);
  X509_free(cert);
}

TEST(LeafCertificates, AnIpLiteralGetsAnIpAddressName) {
  Ca ca;
  LeafCertificates leaves(ca.cert(), ca.key(), std::chrono::hours(1), 10);
  X509* cert = leaf(leaves, "192.0.2.7");
  EXPECT_EQ(san_of(cert), "IP:4 bytes");
  EXPECT_EQ(X509_check_ip_asc(cert, "192.0.2.7", 0), 1);
  X509_free(cert);
}

TEST(LeafCertificates, ALeafNeverOutlivesTheCa) {
  Ca ca;  // 30 days
  LeafCertificates leaves(ca.cert(), ca.key(), std::chrono::hours(24 * 365), 10);
  X509* cert = leaf(leaves, "a.example");
  FILE* f = std::fopen(ca.cert().c_str(), "r");
  X509* ca_cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(ca_cert, nullptr);
  EXPECT_EQ(ASN1_TIME_compare(X509_get0_notAfter(cert), X509_get0_notAfter(ca_cert)), 0);
  X509_free(ca_cert);
  X509_free(cert);
}

TEST(LeafCertificates, LeavesAreCachedUpToTheCacheSize) {
  Ca ca;
  LeafCertificates leaves(ca.cert(), ca.key(), std::chrono::hours(24), 2);
  X509_free(leaf(leaves, "a.example"));
  X509_free(leaf(leaves, "a.example"));
  EXPECT_EQ(leaves.minted(), 1u);
  X509_free(leaf(leaves, "b.example"));
  X509_free(leaf(leaves, "a.example"));  // a used last: c evicts b
  X509_free(leaf(leaves, "c.example"));
  EXPECT_EQ(leaves.minted(), 3u);
  X509_free(leaf(leaves, "a.example"));
  EXPECT_EQ(leaves.minted(), 3u);
  X509_free(leaf(leaves, "b.example"));
  EXPECT_EQ(leaves.minted(), 4u);
}

TEST(LeafCertificates, AKeyThatIsNotTheCertificatesIsRefusedNamingTheFile) {
  Ca ca, other;
  try {
    LeafCertificates leaves(ca.cert(), other.key(), std::chrono::hours(1), 10);
    FAIL() << "a mismatched key was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), other.key() + ": not the key of " + ca.cert());
  }
}

}  // namespace
