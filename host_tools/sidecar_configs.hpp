#pragma once

#include <string>

#include "bottle_paths.hpp"
#include "manifest.hpp"

namespace host_tools {

// git-gate.yaml: the upstreams the gate serves, with the in-container paths of
// the host keys mounted for them.
std::string render_git_gate_config(const BottleSpec& bottle);

// supervise.yaml: where supervise listens, keeps proposals and reads the live configs.
std::string render_supervise_config(const BottleSpec& bottle);

// The agent's global git config: each declared upstream URL resolves to
// git-gate, so the agent's pushes and fetches go through the gate.
std::string render_agent_gitconfig(const BottleSpec& bottle);

// Where git-gate finds upstream `name`'s key and known_hosts inside the bundle.
std::string git_key_dir_in_bundle(const std::string& name);

}  // namespace host_tools
