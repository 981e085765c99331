#include "bottle_metadata.hpp"

#include <nlohmann/json.hpp>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"

namespace host_tools {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BottleMetadata, bottle, manifest, project, compose, compose_file,
                                   agent_container, sidecars_container, internal_network,
                                   egress_network, internal_subnet, egress_subnet, sidecars_address,
                                   token_variables, agent_command, started_at, state)

void write_metadata(const std::filesystem::path& file, const BottleMetadata& m) {
  bottle::config::write_file_atomically(file, nlohmann::json(m).dump(2) + "\n", 0600);
}

std::optional<BottleMetadata> read_metadata(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  try {
    return nlohmann::json::parse(bottle::config::read_file(file)).get<BottleMetadata>();
  } catch (const nlohmann::json::exception& e) {
    throw bottle::config::ConfigError(file.string() + ": " + e.what());
  }
}

}  // namespace host_tools
