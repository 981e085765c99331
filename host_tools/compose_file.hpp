#pragma once

#include <string>
#include <vector>

#include "bottle_paths.hpp"
#include "manifest.hpp"

namespace host_tools {

inline constexpr const char* kSidecarsImage = "claude-bottle-sidecars:latest";

// The daemons the bundle runs for this bottle (CLAUDE_BOTTLE_SIDECAR_DAEMONS).
std::vector<std::string> daemons_for(const BottleSpec& bottle);

// The compose file for one bottle. Token variables appear as bare names
// (BOTTLE_TOKEN_<NAME>), so compose copies their values from its own
// environment and no value is ever written to disk. The file format is 2.4,
// which both docker-compose v1 and compose v2 read, and the one in which
// `depends_on` takes `condition: service_healthy`.
// sidecars_address pins the sidecars container on the internal network.
std::string render_compose_file(const BottleSpec& bottle, const BottlePaths& paths,
                                const std::string& sidecars_address);

}  // namespace host_tools
