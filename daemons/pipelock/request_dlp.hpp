#pragma once

#include <boost/beast/http/fields.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bottle/secrets/rule_set.hpp"
#include "bottle/secrets/scanner.hpp"

namespace pipelock {

// A secret in what a request would carry out: the rule that found it and
// where, never the secret itself.
struct DlpFinding {
  std::string rule_id;
  std::string where;  // "query value 'key'", "header 'X-Api-Key' (base64)", "body (JSON $.a.b)"
};

// Reads a request for secrets with the rules git-gate uses (the same engine,
// common/'s secrets): its path, every query value, every header value and
// its body, each as sent and undone from the wrappings secrets commonly leave
// in: percent-encoding, base64 and hex runs (up to kMaxDepth layers: a
// base64 value that holds hex), gzip and deflate bodies, form, JSON (string
// values unescaped: "\u002d" is "-") and multipart bodies.
// Stateless and const: one serves every connection.
class RequestDlp {
 public:
  static constexpr int kMaxDepth = 2;
  // Shorter runs carry less than a key (and are most words).
  static constexpr std::size_t kMinEncodedRun = 16;
  static constexpr std::size_t kMaxDecodedPieces = 4096;
  // What one scanner pass reads, and how far consecutive passes overlap: more
  // than the longest secret a rule matches (a PEM private key of an 8192-bit
  // RSA key is about 6.5 KiB).
  static constexpr std::size_t kScanWindow = 128 * 1024;
  static constexpr std::size_t kScanOverlap = 16 * 1024;

  explicit RequestDlp(const bottle::secrets::Scanner& scanner) : scanner_(scanner) {}

  // The rules as DLP reads them: a secret with a character added before or
  // after it is still the secret (`ghp_...x` leaks the token as surely), so
  // each rule's boundary assertions at either end (a leading or trailing
  // \b, a trailing "(?:[^...]|$)") are dropped. git-gate keeps them, where
  // they keep false positives in code down. A rule RE2 refuses without them
  // stays as it was.
  static void drop_end_boundaries(bottle::secrets::RuleSet& rules);

  // `target`: the origin form, "/path?query". A scan that runs past
  // `budget` is a finding ("dlp-scan-timeout"): what was not read is not let
  // through. `lane`: the scanner's lane (bottle::secrets::Scanner), one per
  // thread scanning at once.
  std::optional<DlpFinding> scan_head(std::string_view target,
                                      const boost::beast::http::fields& fields,
                                      const bottle::secrets::ScanBudget& budget = {},
                                      std::size_t lane = 0) const;
  // `body`: the whole body as it would go out (transfer coding removed); its
  // content coding and type are read from `fields`. A body whose content
  // coding pipelock cannot undo (br, zstd, a corrupt gzip) is a finding of
  // its own: what cannot be read cannot be let through.
  std::optional<DlpFinding> scan_body(std::string_view body,
                                      const boost::beast::http::fields& fields,
                                      const bottle::secrets::ScanBudget& budget = {},
                                      std::size_t lane = 0) const;

 private:
  struct Piece {
    std::string where;
    std::string text;
  };
  // What one request is read as: what it carries as sent (every piece, no
  // bound: each is bounded by the request's own limits), then what that
  // decodes to, up to kMaxDecodedPieces; past that the request is refused
  // (overflow), never let through half read.
  struct Pieces {
    std::vector<Piece> items;
    std::size_t decoded = 0;
    bool overflow = false;
  };
  // Adds `text` and what it decodes to, layer by layer.
  static void add(Pieces& pieces, std::string where, std::string text, int depth = 0);
  std::optional<DlpFinding> scan(const Pieces& pieces, const bottle::secrets::ScanBudget& budget,
                                 std::size_t lane) const;

  const bottle::secrets::Scanner& scanner_;
};

}  // namespace pipelock
