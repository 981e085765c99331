#pragma once

#include <filesystem>
#include <string>

namespace host_tools {

struct MintedCa {
  std::filesystem::path cert;  // PEM, 0644: the agent and egress may trust it
  std::filesystem::path key;   // SEC1 "EC PRIVATE KEY" PEM, 0600
};

// Mints a self-signed ECDSA P-256 CA (the key type pipelock expects) named
// `common_name`, valid for `days`, into `dir` as ca.pem and ca-key.pem. An
// existing pair is replaced: each start of a bottle gets fresh CAs, so a key
// that leaked from an earlier run is worth nothing. Throws std::runtime_error
// with OpenSSL's reason on failure.
MintedCa mint_ca(const std::filesystem::path& dir, const std::string& common_name, int days = 365);

}  // namespace host_tools
