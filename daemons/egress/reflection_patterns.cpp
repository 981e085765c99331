#include "reflection_patterns.hpp"

#include <algorithm>
#include <deque>
#include <set>

#include "agent_target.hpp"
#include "bottle/text/decoding.hpp"

namespace egress {

namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The base64 characters of `data` (no padding; a last partial group gives
// the characters its bits start).
std::string base64_of(std::string_view data, const char* alphabet) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : data) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 63];
  return out;
}

// The characters of base64(x + secret + y) fixed by the secret alone, for
// len(x) % 3 == shift: those whose six bits lie within the secret's bits.
std::string base64_core(std::string_view secret, int shift, const char* alphabet) {
  const std::string data = std::string(static_cast<std::size_t>(shift), '\0') + std::string(secret);
  const std::string encoded = base64_of(data, alphabet);
  const std::size_t first = (8 * static_cast<std::size_t>(shift) + 5) / 6;
  const std::size_t end = 8 * data.size() / 6;
  if (end <= first) return {};
  return encoded.substr(first, end - first);
}

std::string hex_of(std::string_view data, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string json_escaped(std::string_view data) {
  std::string out;
  for (char c : data) {
    if (c == '/' || c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

const char* form_name(TokenForm form) {
  switch (form) {
    case TokenForm::kRaw:
      return "raw";
    case TokenForm::kBase64:
      return "base64";
    case TokenForm::kBase64Url:
      return "base64url";
    case TokenForm::kHex:
      return "hex";
    case TokenForm::kJsonEscaped:
      return "json-escaped";
  }
  return "?";
}

std::vector<ReflectionPatterns::Pattern> ReflectionPatterns::forms_of(std::string_view secret) {
  std::vector<Pattern> encoded = {{std::string(secret), TokenForm::kRaw}};
  for (int shift = 0; shift < 3; ++shift) {
    encoded.push_back({base64_core(secret, shift, kStandard), TokenForm::kBase64});
    encoded.push_back({base64_core(secret, shift, kUrlSafe), TokenForm::kBase64Url});
  }
  encoded.push_back({hex_of(secret, false), TokenForm::kHex});
  encoded.push_back({hex_of(secret, true), TokenForm::kHex});
  encoded.push_back({json_escaped(secret), TokenForm::kJsonEscaped});

  std::vector<Pattern> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& bytes, TokenForm form) {
    if (bytes.empty() || (form != TokenForm::kRaw && bytes.size() < kMinEncoded)) return;
    if (seen.insert(bytes).second) out.push_back({bytes, form});
  };
  for (const auto& p : encoded) {
    add(p.bytes, p.form);
    // The matcher sees responses percent-decoded: a form that itself holds
    // an escape ("%41") appears there decoded.
    add(bottle::text::percent_decode(p.bytes), p.form);
  }
  return out;
}

ReflectionPatterns::ReflectionPatterns(std::string_view secret) { compile(forms_of(secret)); }

void ReflectionPatterns::compile(const std::vector<Pattern>& patterns) {
  pattern_count_ = patterns.size();
  // Byte classes: one per byte some pattern holds, class 0 for all others.
  std::array<bool, 256> used{};
  for (const auto& p : patterns) {
    for (unsigned char c : p.bytes) used[c] = true;
  }
  classes_ = 1;
  for (int b = 0; b < 256; ++b) {
    if (used[static_cast<std::size_t>(b)]) {
      class_of_[static_cast<std::size_t>(b)] = static_cast<std::uint16_t>(classes_++);
    }
  }
  // Preferably one of these; failing that, any other punctuation that is
  // harmless in a header, a URL and a JSON string.
  for (char candidate : std::string_view("*#!~^|$&'()+,.:;<=>?@[]`{}-_")) {
    if (!used[static_cast<unsigned char>(candidate)]) {
      marker_ = candidate;
      break;
    }
  }

  // The trie; 0 is the root, and as a child index "none".
  std::vector<std::vector<std::uint32_t>> child(1, std::vector<std::uint32_t>(classes_, 0));
  std::vector<std::uint32_t> own_length(1, 0);
  std::vector<TokenForm> own_form(1, TokenForm::kRaw);
  depth_.assign(1, 0);
  for (const auto& p : patterns) {
    std::uint32_t s = 0;
    for (unsigned char c : p.bytes) {
      const std::uint16_t k = class_of_[c];
      if (child[s][k] == 0) {
        child[s][k] = static_cast<std::uint32_t>(child.size());
        child.emplace_back(classes_, 0);
        own_length.push_back(0);
        own_form.push_back(TokenForm::kRaw);
        depth_.push_back(depth_[s] + 1);
      }
      s = child[s][k];
    }
    if (own_length[s] == 0) {
      own_length[s] = static_cast<std::uint32_t>(p.bytes.size());
      own_form[s] = p.form;
    }
    longest_ = std::max(longest_, p.bytes.size());
  }

  // Failure links, breadth first, folded into a full transition table.
  const std::size_t states = child.size();
  next_.assign(states * classes_, 0);
  match_length_.assign(states, 0);
  match_form_.assign(states, TokenForm::kRaw);
  std::vector<std::uint32_t> fail(states, 0);
  std::deque<std::uint32_t> queue;
  for (std::size_t k = 0; k < classes_; ++k) {
    const std::uint32_t c = child[0][k];
    next_[k] = c;
    if (c) queue.push_back(c);
  }
  while (!queue.empty()) {
    const std::uint32_t s = queue.front();
    queue.pop_front();
    // The longest pattern ending here: this state's own, or its failure's.
    match_length_[s] = own_length[s];
    match_form_[s] = own_form[s];
    if (match_length_[fail[s]] > match_length_[s]) {
      match_length_[s] = match_length_[fail[s]];
      match_form_[s] = match_form_[fail[s]];
    }
    for (std::size_t k = 0; k < classes_; ++k) {
      const std::uint32_t c = child[s][k];
      if (c) {
        fail[c] = next_[fail[s] * classes_ + k];
        next_[s * classes_ + k] = c;
        queue.push_back(c);
      } else {
        next_[s * classes_ + k] = next_[fail[s] * classes_ + k];
      }
    }
  }
  for (int b = 0; b < 256; ++b) {
    may_start_[static_cast<std::size_t>(b)] =
        b == '%' || next_[class_of_[static_cast<std::size_t>(b)]] != 0;
  }
}

}  // namespace egress
