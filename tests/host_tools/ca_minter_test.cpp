#include "ca_minter.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "bottle/config/atomic_file.hpp"

using namespace host_tools;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

TEST(CaMinter, MintsAP256CaWhoseKeyOnlyTheOperatorCanRead) {
  const fs::path dir = fs::temp_directory_path() / ("ca-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const MintedCa ca = mint_ca(dir, "claude-bottle demo pipelock CA");
  EXPECT_EQ(mode_of(ca.key), 0600u);
  EXPECT_EQ(mode_of(ca.cert), 0644u);
  EXPECT_NE(bottle::config::read_file(ca.key).find("BEGIN EC PRIVATE KEY"), std::string::npos)
      << "pipelock wants a SEC1 key";

  std::unique_ptr<FILE, FileCloser> cert_file(std::fopen(ca.cert.c_str(), "r"));
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_X509(cert_file.get(), nullptr, nullptr, nullptr), X509_free);
  ASSERT_TRUE(cert);
  std::unique_ptr<FILE, FileCloser> key_file(std::fopen(ca.key.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_PrivateKey(key_file.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_TRUE(key);

  EXPECT_EQ(X509_check_ca(cert.get()), 1) << "a CA that can sign leaf certificates";
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_verify(cert.get(), key.get()), 1) << "self-signed";
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "claude-bottle demo pipelock CA");

  const std::string first_key = bottle::config::read_file(ca.key);
  mint_ca(dir, "again");
  EXPECT_NE(bottle::config::read_file(ca.key), first_key) << "each start gets a fresh key";
  fs::remove_all(dir);
}
