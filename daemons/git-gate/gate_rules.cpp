#include "gate_rules.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "bottle/config/config_error.hpp"
#include "bottle/secrets/gitleaks_config.hpp"

namespace git_gate {

std::set<std::string> parse_fingerprints(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    std::size_t first = 0;
    while (first < line.size() && std::isspace(static_cast<unsigned char>(line[first]))) ++first;
    if (first < line.size()) out.insert(line.substr(first));
    start = end + 1;
  }
  return out;
}

GateRules load_gate_rules(const GateConfig& cfg, const std::string& flag,
                          const std::string& shipped) {
  const std::string file = !flag.empty() ? flag : !cfg.rules.empty() ? cfg.rules : shipped;
  GateRules rules{file,
                  bottle::secrets::Scanner(bottle::secrets::load_gitleaks_config(
                      file, bottle::secrets::LoadOptions{shipped})),
                  {}};
  rules.workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  if (!cfg.accepted_findings.empty()) {
    rules.accepted = parse_fingerprints(bottle::config::read_config_file(cfg.accepted_findings));
  }
  return rules;
}

}  // namespace git_gate
