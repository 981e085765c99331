#include "live_edits.hpp"

#include <gtest/gtest.h>

#include "bottle/config/config_error.hpp"
#include "pipelock_document.hpp"

using namespace host_tools;
using bottle::config::ConfigError;

namespace {
const std::string kPipelock = "mode: strict\napi_allowlist: [a.com, b.com]\nkeep: me\n";
const std::string kRoutes =
    "routes:\n  - {host: a.com, upstream: 'https://a.com', token_env: OLD_TOKEN}\n";
}  // namespace

TEST(LiveEdits, AddAppendsOnlyNewHostsAndReportsTheDifference) {
  const ConfigEdit e = edit_allowlist(kPipelock, "p", add_hosts({"b.com", "c.com"}));
  EXPECT_EQ(e.before, (std::vector<std::string>{"a.com", "b.com"}));
  EXPECT_EQ(e.after, (std::vector<std::string>{"a.com", "b.com", "c.com"}));
  EXPECT_NE(e.new_text.find("keep: me"), std::string::npos);
}

TEST(LiveEdits, RemoveOfAnAbsentHostIsAnErrorNamingIt) {
  try {
    edit_allowlist(kPipelock, "p", remove_hosts({"a.com", "zz.com"}));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "not in the allowlist: zz.com");
  }
  EXPECT_THROW(edit_allowlist(kPipelock, "p", remove_hosts({"a.com", "b.com"})), ConfigError)
      << "an empty allowlist";
}

TEST(LiveEdits, ArgumentsAreCheckedLikeFileLines) {
  EXPECT_EQ(hosts_from_arguments({"A.com."}), std::vector<std::string>{"a.com"});
  EXPECT_THROW(hosts_from_arguments({"a.com", "http://b.com"}), ConfigError);
}

TEST(LiveEdits, RoutesNeedingATokenTheBundleLacksAreRefused) {
  bottle::config::Route r;
  r.host = "b.com";
  r.upstream = "https://b.com";
  r.token_env = "NEW_TOKEN";
  EXPECT_THROW(edit_routes(kRoutes, "r", {"OLD_TOKEN"}, [&](RoutesDocument& d) { d.add(r); }),
               ConfigError);
  const ConfigEdit e =
      edit_routes(kRoutes, "r", {"OLD_TOKEN", "NEW_TOKEN"}, [&](RoutesDocument& d) { d.add(r); });
  EXPECT_EQ(e.after.size(), 2u);
  // A route already live keeps working even if metadata forgot its token.
  EXPECT_NO_THROW(edit_routes(kRoutes, "r", {}, [](RoutesDocument&) {}));
}
