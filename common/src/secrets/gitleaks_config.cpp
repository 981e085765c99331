#include "bottle/secrets/gitleaks_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "bottle/config/config_error.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/join.hpp"

namespace bottle::secrets {

using bottle::config::ConfigError;

namespace {

// gitleaks reads no deeper than this either: a config extending one that
// extends another.
constexpr int kMaxExtendDepth = 2;

// Keys gitleaks defines that change nothing here, or only make the scan
// report more (a composite rule's parts are each reported on their own).
const std::set<std::string> kIgnoredRuleKeys = {"skipReport", "required"};

// Each rule's expression, compiled ahead on several threads (those RE2
// accepted): 220 shipped rules take 0.15 s to compile one after another,
// most of a scan's start-up, paid by every push.
using Precompiled = std::map<std::string, Regex, std::less<>>;

RE2::Options rule_options() {
  RE2::Options options;
  options.set_log_errors(false);
  // Rules with counted repetitions build large automata; past this RE2 falls
  // back to slower matching, never to wrong answers.
  options.set_max_mem(64 << 20);
  return options;
}

Precompiled precompile_rule_expressions(const toml::table& root) {
  std::vector<std::string> expressions;
  if (const auto* rules = root.get_as<toml::array>("rules")) {
    for (const auto& item : *rules) {
      const auto* t = item.as_table();
      const auto* re = t ? t->get_as<std::string>("regex") : nullptr;
      if (re) expressions.push_back(re->get());
    }
  }
  std::vector<Regex> done(expressions.size());
  const std::size_t threads = std::clamp<std::size_t>(
      std::min<std::size_t>(std::thread::hardware_concurrency(), expressions.size() / 32), 1, 4);
  auto compile_every = [&](std::size_t first) {
    for (std::size_t i = first; i < expressions.size(); i += threads) {
      auto re = std::make_shared<const RE2>(expressions[i], rule_options());
      if (re->ok()) done[i] = std::move(re);
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(compile_every, t);
    compile_every(0);
  }
  Precompiled out;
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    if (done[i]) out.emplace(expressions[i], std::move(done[i]));
  }
  return out;
}

// Where a TOML value came from, so every error says "file:line: key: problem".
class Context {
 public:
  // `precompiled`: the file's rule expressions, compiled ahead (may be null).
  explicit Context(std::string source, const Precompiled* precompiled = nullptr)
      : source_(std::move(source)), precompiled_(precompiled) {}
  Context within(const std::string& scope) const {
    Context c = *this;
    c.scope_ = scope_.empty() ? scope : scope_ + ": " + scope;
    return c;
  }
  const Precompiled* precompiled() const { return precompiled_; }
  [[noreturn]] void fail(const toml::source_region& at, const std::string& key,
                         const std::string& problem) const {
    std::string msg = source_;
    if (at.begin.line > 0) msg += ":" + std::to_string(at.begin.line);
    msg += ": ";
    if (!scope_.empty()) msg += scope_ + ": ";
    if (!key.empty()) msg += "key '" + key + "': ";
    throw ConfigError(msg + problem);
  }
  // Every key of `table` must be in `known` (or ignored, with a warning): a
  // typo in a security config must never pass silently.
  void check_keys(const toml::table& table, const std::set<std::string>& known,
                  const std::set<std::string>& ignored, std::vector<std::string>& warnings) const {
    for (auto&& [key, value] : table) {
      const std::string k(key.str());
      if (known.count(k)) continue;
      if (ignored.count(k)) {
        warnings.push_back(where(key.source()) + "key '" + k +
                           "' is not used here (each rule is reported on its own)");
        continue;
      }
      fail(key.source(), k, "unknown key (known: " + bottle::text::join(known, ", ") + ")");
    }
  }
  std::string where(const toml::source_region& at) const {
    std::string w = source_;
    if (at.begin.line > 0) w += ":" + std::to_string(at.begin.line);
    return w + ": " + (scope_.empty() ? "" : scope_ + ": ");
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string scope_;
  const Precompiled* precompiled_;
};

std::string string_of(const Context& ctx, const toml::node& n, const std::string& key) {
  const auto* s = n.as_string();
  if (!s) ctx.fail(n.source(), key, "must be a string");
  return s->get();
}

std::vector<std::string> strings_of(const Context& ctx, const toml::node& n,
                                    const std::string& key) {
  const auto* a = n.as_array();
  if (!a) ctx.fail(n.source(), key, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *a) out.push_back(string_of(ctx, item, key));
  return out;
}

Regex compiled(const Context& ctx, const toml::node& n, const std::string& key,
               const std::string& expression) {
  if (ctx.precompiled()) {
    if (const auto it = ctx.precompiled()->find(expression); it != ctx.precompiled()->end()) {
      return it->second;
    }
  }
  auto re = std::make_shared<const RE2>(expression, rule_options());
  if (!re->ok()) {
    ctx.fail(n.source(), key, "'" + expression + "' is not a valid RE2 expression: " + re->error());
  }
  return re;
}

Regex regex_of(const Context& ctx, const toml::node& n, const std::string& key) {
  return compiled(ctx, n, key, string_of(ctx, n, key));
}

std::vector<Regex> regexes_of(const Context& ctx, const toml::node& n, const std::string& key) {
  const auto* a = n.as_array();
  if (!a) ctx.fail(n.source(), key, "must be an array of expressions");
  std::vector<Regex> out;
  for (const auto& item : *a) out.push_back(regex_of(ctx, item, key));
  return out;
}

Allowlist allowlist_of(const Context& ctx, const toml::node& n, bool global,
                       std::vector<std::string>& warnings) {
  const auto* t = n.as_table();
  if (!t) ctx.fail(n.source(), "", "an allowlist must be a table");
  std::set<std::string> known = {"description", "condition", "commits",  "paths",
                                 "regexTarget", "regexes",   "stopwords"};
  if (global) known.insert("targetRules");
  ctx.check_keys(*t, known, {}, warnings);
  Allowlist a;
  if (const auto* d = t->get("description")) a.description = string_of(ctx, *d, "description");
  if (const auto* c = t->get("condition")) {
    const std::string v = bottle::text::ascii_lower(string_of(ctx, *c, "condition"));
    if (v == "or" || v == "||") {
      a.condition = Allowlist::Condition::any;
    } else if (v == "and" || v == "&&") {
      a.condition = Allowlist::Condition::all;
    } else {
      ctx.fail(c->source(), "condition", "'" + v + "' must be OR or AND");
    }
  }
  if (const auto* c = t->get("commits")) {
    for (auto& s : strings_of(ctx, *c, "commits"))
      a.commits.push_back(bottle::text::ascii_lower(s));
  }
  if (const auto* p = t->get("paths")) a.paths = regexes_of(ctx, *p, "paths");
  if (const auto* r = t->get("regexTarget")) {
    const std::string v = string_of(ctx, *r, "regexTarget");
    if (v == "secret" || v.empty()) {
      a.regex_target = Allowlist::Target::secret;
    } else if (v == "match") {
      a.regex_target = Allowlist::Target::match;
    } else if (v == "line") {
      a.regex_target = Allowlist::Target::line;
    } else {
      ctx.fail(r->source(), "regexTarget", "'" + v + "' must be secret, match or line");
    }
  }
  if (const auto* r = t->get("regexes")) a.regexes = regexes_of(ctx, *r, "regexes");
  if (const auto* s = t->get("stopwords")) {
    for (auto& w : strings_of(ctx, *s, "stopwords")) {
      if (w.empty()) ctx.fail(s->source(), "stopwords", "may not hold an empty word");
      a.stopwords.push_back(bottle::text::ascii_lower(w));
    }
  }
  if (const auto* r = t->get("targetRules")) a.target_rules = strings_of(ctx, *r, "targetRules");
  if (a.commits.empty() && a.paths.empty() && a.regexes.empty() && a.stopwords.empty()) {
    ctx.fail(t->source(), "", "an allowlist needs commits, paths, regexes or stopwords");
  }
  return a;
}

// The allowlists of a table: `allowlists` (an array of tables) and the older
// `allowlist` (one table), which gitleaks still reads.
std::vector<Allowlist> allowlists_in(const Context& ctx, const toml::table& t, bool global,
                                     std::vector<std::string>& warnings) {
  std::vector<Allowlist> out;
  if (const auto* one = t.get("allowlist")) {
    out.push_back(allowlist_of(ctx.within("allowlist"), *one, global, warnings));
  }
  if (const auto* many = t.get("allowlists")) {
    const auto* a = many->as_array();
    if (!a) ctx.fail(many->source(), "allowlists", "must be an array of tables ([[allowlists]])");
    int index = 0;
    for (const auto& item : *a) {
      out.push_back(
          allowlist_of(ctx.within("allowlist " + std::to_string(++index)), item, global, warnings));
    }
  }
  return out;
}

// A rule as a file states it: fields it leaves out stay unset, so that an
// extending config can change only what it names.
struct RuleText {
  Rule rule;
  bool has_secret_group = false;
  toml::source_region at;
  const toml::node* secret_group_node = nullptr;
};

RuleText rule_of(const Context& ctx, const toml::node& n, std::vector<std::string>& warnings) {
  const auto* t = n.as_table();
  if (!t) ctx.fail(n.source(), "", "a rule must be a table ([[rules]])");
  RuleText out;
  out.at = t->source();
  Rule& r = out.rule;
  const auto* id = t->get("id");
  if (!id) ctx.fail(t->source(), "id", "is required");
  r.id = string_of(ctx, *id, "id");
  if (r.id.empty() || r.id.find_first_of(": \t\n") != std::string::npos) {
    ctx.fail(id->source(), "id", "'" + r.id + "' must be non-empty, without ':' or spaces");
  }
  const Context rctx = ctx.within("rule '" + r.id + "'");
  rctx.check_keys(*t,
                  {"id", "description", "regex", "secretGroup", "entropy", "keywords", "path",
                   "tags", "allowlist", "allowlists"},
                  kIgnoredRuleKeys, warnings);
  if (const auto* d = t->get("description")) r.description = string_of(rctx, *d, "description");
  if (const auto* re = t->get("regex")) r.regex = regex_of(rctx, *re, "regex");
  if (const auto* p = t->get("path")) r.path = regex_of(rctx, *p, "path");
  if (const auto* g = t->get("secretGroup")) {
    const auto* i = g->as_integer();
    if (!i || i->get() < 0) rctx.fail(g->source(), "secretGroup", "must be a number, 0 or more");
    r.secret_group = static_cast<int>(std::min<std::int64_t>(i->get(), 1000));
    out.has_secret_group = true;
    out.secret_group_node = g;
  }
  if (const auto* e = t->get("entropy")) {
    const auto v = e->value<double>();
    if (!v || *v < 0 || *v > 8) {
      rctx.fail(e->source(), "entropy", "must be a number of bits per character, 0 to 8");
    }
    if (*v > 0) r.entropy = *v;
  }
  if (const auto* k = t->get("keywords")) {
    for (auto& w : strings_of(rctx, *k, "keywords")) {
      if (w.empty()) rctx.fail(k->source(), "keywords", "may not hold an empty keyword");
      r.keywords.push_back(bottle::text::ascii_lower(w));
    }
  }
  if (const auto* tags = t->get("tags")) r.tags = strings_of(rctx, *tags, "tags");
  r.allowlists = allowlists_in(rctx, *t, false, warnings);
  return out;
}

void check_complete(const Context& ctx, const RuleText& text) {
  const Rule& r = text.rule;
  const Context rctx = ctx.within("rule '" + r.id + "'");
  if (!r.regex && !r.path) rctx.fail(text.at, "regex", "a rule needs a regex, a path or both");
  if (r.regex && r.secret_group > r.regex->NumberOfCapturingGroups()) {
    rctx.fail(text.secret_group_node ? text.secret_group_node->source() : text.at, "secretGroup",
              std::to_string(r.secret_group) + " is not a group of the expression (it has " +
                  std::to_string(r.regex->NumberOfCapturingGroups()) + ")");
  }
}

RuleSet load(const std::string& path, const LoadOptions& options, int depth);

RuleSet parse(std::string_view text, const std::string& source, const LoadOptions& options,
              int depth) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    Context(source).fail(e.source(), "", std::string(e.description()));
  }
  const Precompiled precompiled = precompile_rule_expressions(root);
  const Context ctx(source, &precompiled);
  RuleSet out;
  ctx.check_keys(root, {"title", "description", "extend", "rules", "allowlist", "allowlists"},
                 {"minVersion"}, out.warnings);

  // What this file extends comes first; its own rules change or add to it.
  RuleSet base;
  bool extends = false;
  std::vector<std::string> disabled;
  toml::source_region disabled_at;
  if (const auto* e = root.get("extend")) {
    const Context ectx = ctx.within("extend");
    const auto* t = e->as_table();
    if (!t) ctx.fail(e->source(), "extend", "must be a table ([extend])");
    ectx.check_keys(*t, {"path", "useDefault", "disabledRules"}, {}, out.warnings);
    const auto* use_default = t->get("useDefault");
    const auto* path = t->get("path");
    if (use_default && !use_default->is_boolean()) {
      ectx.fail(use_default->source(), "useDefault", "must be true or false");
    }
    const bool wants_default = use_default && use_default->as_boolean()->get();
    if (wants_default && path) {
      ectx.fail(path->source(), "path", "give either useDefault or path, not both");
    }
    if (depth >= kMaxExtendDepth && (wants_default || path)) {
      ectx.fail(e->source(), "",
                "extends too deep (at most " + std::to_string(kMaxExtendDepth) +
                    " configs may extend one another)");
    }
    if (wants_default) {
      if (options.default_rules.empty()) {
        ectx.fail(use_default->source(), "useDefault", "no shipped rules to extend here");
      }
      if (std::filesystem::weakly_canonical(options.default_rules) ==
          std::filesystem::weakly_canonical(source)) {
        ectx.fail(use_default->source(), "useDefault",
                  "the shipped rules cannot extend themselves");
      }
      base = load(options.default_rules, options, depth + 1);
      extends = true;
    } else if (path) {
      std::filesystem::path p = string_of(ectx, *path, "path");
      if (p.is_relative()) p = std::filesystem::path(source).parent_path() / p;
      base = load(p.string(), options, depth + 1);
      extends = true;
    }
    if (const auto* d = t->get("disabledRules")) {
      disabled = strings_of(ectx, *d, "disabledRules");
      disabled_at = d->source();
    }
  }
  for (const auto& id : disabled) {
    const auto it = std::find_if(base.rules.begin(), base.rules.end(),
                                 [&](const Rule& r) { return r.id == id; });
    // A name that disables nothing is a typo the operator must hear about.
    if (it == base.rules.end()) {
      ctx.within("extend").fail(disabled_at, "disabledRules",
                                "'" + id + "' is not a rule of the extended config");
    }
    base.rules.erase(it);
  }
  out.rules = std::move(base.rules);
  out.allowlists = std::move(base.allowlists);
  out.warnings.insert(out.warnings.end(), base.warnings.begin(), base.warnings.end());

  std::vector<RuleText> texts;
  std::set<std::string> ids;
  if (const auto* rules = root.get("rules")) {
    const auto* a = rules->as_array();
    if (!a) ctx.fail(rules->source(), "rules", "must be an array of tables ([[rules]])");
    for (const auto& item : *a) {
      RuleText t = rule_of(ctx, item, out.warnings);
      if (!ids.insert(t.rule.id).second) {
        ctx.fail(t.at, "id", "'" + t.rule.id + "' is used twice");
      }
      texts.push_back(std::move(t));
    }
  }
  for (auto& t : texts) {
    auto it = std::find_if(out.rules.begin(), out.rules.end(),
                           [&](const Rule& r) { return r.id == t.rule.id; });
    if (it == out.rules.end()) {
      check_complete(ctx, t);
      out.rules.push_back(std::move(t.rule));
      continue;
    }
    // gitleaks' merge: what the extending rule sets wins; keywords, tags and
    // allowlists add to the extended rule's.
    Rule& r = *it;
    if (!t.rule.description.empty()) r.description = t.rule.description;
    if (t.rule.regex) r.regex = t.rule.regex;
    if (t.rule.path) r.path = t.rule.path;
    if (t.has_secret_group) r.secret_group = t.rule.secret_group;
    if (t.rule.entropy) r.entropy = t.rule.entropy;
    for (auto& k : t.rule.keywords) {
      if (std::find(r.keywords.begin(), r.keywords.end(), k) == r.keywords.end()) {
        r.keywords.push_back(k);
      }
    }
    r.tags.insert(r.tags.end(), t.rule.tags.begin(), t.rule.tags.end());
    r.allowlists.insert(r.allowlists.end(), t.rule.allowlists.begin(), t.rule.allowlists.end());
    t.rule = r;
    check_complete(ctx, t);
  }
  const auto global = allowlists_in(ctx, root, true, out.warnings);
  out.allowlists.insert(out.allowlists.end(), global.begin(), global.end());
  if (out.rules.empty() && !extends) ctx.fail(root.source(), "rules", "no rules");
  return out;
}

RuleSet load(const std::string& path, const LoadOptions& options, int depth) {
  return parse(bottle::config::read_config_file(path), path, options, depth);
}

}  // namespace

RuleSet load_gitleaks_config(const std::string& path, const LoadOptions& options) {
  return load(path, options, 0);
}

RuleSet parse_gitleaks_config(std::string_view text, const std::string& source,
                              const LoadOptions& options) {
  return parse(text, source, options, 0);
}

Regex compile_rule_regex(const std::string& expression, std::string* error) {
  auto re = std::make_shared<const RE2>(expression, rule_options());
  if (!re->ok()) {
    if (error) *error = re->error();
    return nullptr;
  }
  return re;
}

}  // namespace bottle::secrets
