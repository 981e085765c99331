#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bottle/config/route.hpp"

namespace supervise {

// The bundle's live config files, read at each question so that the answer
// is what pipelock and egress run with now (the host tool replaces them by
// rename; the directory mounts show every new file).
class LiveConfigs {
 public:
  LiveConfigs(std::filesystem::path pipelock_config, std::filesystem::path routes_config)
      : pipelock_config_(std::move(pipelock_config)), routes_config_(std::move(routes_config)) {}

  // pipelock.yaml's api_allowlist, normalised. Throws ConfigError naming the file.
  std::vector<std::string> allowlist() const;
  // routes.yaml's routes. Throws ConfigError naming the file and line.
  std::vector<bottle::config::Route> routes() const;

 private:
  std::filesystem::path pipelock_config_;
  std::filesystem::path routes_config_;
};

}  // namespace supervise
