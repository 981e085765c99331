#include "secret_rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <set>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"

namespace git_gate {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string scalar(const YamlContext& ctx, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) ctx.fail(n, key, "must be a string");
  return n.Scalar();
}

std::shared_ptr<const RE2> compiled(const YamlContext& ctx, const YAML::Node& n,
                                    const std::string& key) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(scalar(ctx, n, key), options);
  if (!re->ok())
    ctx.fail(n, key, "'" + n.Scalar() + "' is not a valid RE2 expression: " + re->error());
  return re;
}

std::vector<std::shared_ptr<const RE2>> compiled_list(const YamlContext& ctx, const YAML::Node& n,
                                                      const std::string& key) {
  if (!n.IsSequence()) ctx.fail(n, key, "must be a list of expressions");
  std::vector<std::shared_ptr<const RE2>> out;
  for (const auto& item : n) out.push_back(compiled(ctx, item, key));
  return out;
}

SecretRule parse_rule(const YamlContext& ctx, const YAML::Node& n) {
  if (!n.IsMap()) ctx.fail(n, "", "a rule must be a mapping");
  ctx.check_keys(n, {"id", "description", "regex", "secret_group", "keywords", "entropy"});
  for (const char* required : {"id", "description", "regex"}) {
    if (!n[required]) ctx.fail(n, required, "is required");
  }
  SecretRule r;
  r.id = scalar(ctx, n["id"], "id");
  if (r.id.empty() || r.id.find_first_of(": \t") != std::string::npos) {
    ctx.fail(n["id"], "id", "'" + r.id + "' must be non-empty, without ':' or spaces");
  }
  r.description = scalar(ctx, n["description"], "description");
  r.regex = compiled(ctx, n["regex"], "regex");
  if (const auto g = n["secret_group"]) {
    try {
      r.secret_group = g.as<int>();
    } catch (const YAML::Exception&) {
      ctx.fail(g, "secret_group", "must be a number");
    }
    if (r.secret_group < 0 || r.secret_group > r.regex->NumberOfCapturingGroups()) {
      ctx.fail(g, "secret_group",
               std::to_string(r.secret_group) + " is not a group of the expression (it has " +
                   std::to_string(r.regex->NumberOfCapturingGroups()) + ")");
    }
  }
  if (const auto k = n["keywords"]) {
    if (!k.IsSequence()) ctx.fail(k, "keywords", "must be a list");
    for (const auto& w : k) {
      std::string word = lower(scalar(ctx, w, "keywords"));
      if (word.empty()) ctx.fail(w, "keywords", "may not be empty");
      r.keywords.push_back(std::move(word));
    }
  }
  if (const auto e = n["entropy"]) {
    try {
      r.min_entropy = e.as<double>();
    } catch (const YAML::Exception&) {
      ctx.fail(e, "entropy", "must be a number of bits per character");
    }
    if (*r.min_entropy < 0 || *r.min_entropy > 8) {
      ctx.fail(e, "entropy", "must be between 0 and 8 bits per character");
    }
  }
  return r;
}

}  // namespace

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<std::size_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double bits = 0;
  for (std::size_t n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(s.size());
    bits -= p * std::log2(p);
  }
  return bits;
}

std::set<std::string> parse_fingerprints(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.erase(0, 1);
    }
    if (!line.empty()) out.insert(line);
    start = end + 1;
  }
  return out;
}

SecretRules SecretRules::parse(const std::string& text, const std::string& source) {
  const YamlContext ctx(source);
  const YAML::Node root = bottle::config::load_yaml(text, source);
  if (!root.IsMap()) ctx.fail(root, "", "a rules file must be a mapping with 'rules'");
  ctx.check_keys(root, {"version", "rules", "allowlist"});
  if (const auto v = root["version"]; v && (!v.IsScalar() || v.Scalar() != "1")) {
    ctx.fail(v, "version", "must be 1");
  }
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence() || rules.size() == 0) {
    ctx.fail(rules ? rules : root, "rules", "must be a non-empty list of rules");
  }
  SecretRules out;
  std::set<std::string> ids;
  int index = 0;
  for (const auto& n : rules) {
    ++index;
    SecretRule r = parse_rule(ctx.within("rule " + std::to_string(index)), n);
    if (!ids.insert(r.id).second) ctx.fail(n["id"], "id", "'" + r.id + "' is used twice");
    out.rules.push_back(std::move(r));
  }
  if (const YAML::Node a = root["allowlist"]) {
    const YamlContext actx = ctx.within("allowlist");
    if (!a.IsMap()) actx.fail(a, "", "must be a mapping");
    actx.check_keys(a, {"paths", "regexes", "fingerprints_file"});
    if (a["paths"]) out.allowlist.paths = compiled_list(actx, a["paths"], "paths");
    if (a["regexes"]) out.allowlist.secrets = compiled_list(actx, a["regexes"], "regexes");
    if (const auto f = a["fingerprints_file"]) {
      std::filesystem::path file = scalar(actx, f, "fingerprints_file");
      if (file.is_relative()) file = std::filesystem::path(source).parent_path() / file;
      try {
        out.allowlist.fingerprints = parse_fingerprints(bottle::config::read_file(file));
      } catch (const std::system_error& e) {
        actx.fail(f, "fingerprints_file", e.what());
      }
    }
  }
  return out;
}

SecretRules SecretRules::load(const std::string& path) {
  return parse(bottle::config::read_config_file(path), path);
}

}  // namespace git_gate
