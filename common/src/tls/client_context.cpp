#include "bottle/tls/client_context.hpp"

#include <openssl/err.h>

#include <stdexcept>

namespace bottle::tls {

std::string openssl_error(const std::string& fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

ClientContext::ClientContext(const std::vector<std::string>& extra_ca_files)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw std::runtime_error("TLS: " + openssl_error("cannot create a context"));
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_set_default_verify_paths(ctx_.get()) != 1) {
    throw std::runtime_error("TLS: cannot load the system CA set: " + openssl_error(""));
  }
  for (const auto& file : extra_ca_files) {
    if (SSL_CTX_load_verify_locations(ctx_.get(), file.c_str(), nullptr) != 1) {
      throw std::runtime_error("--ca-file " + file + ": " + openssl_error("cannot load"));
    }
  }
}

}  // namespace bottle::tls
