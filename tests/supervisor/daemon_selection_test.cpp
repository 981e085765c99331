#include "daemon_selection.hpp"

#include <gtest/gtest.h>

#include "config_error.hpp"
#include "registry_parser.hpp"

using namespace supervisor;

namespace {
Registry four() {
  return parse_registry(
      "daemons:\n  - {name: pipelock, argv: [a]}\n  - {name: egress, argv: [b]}\n"
      "  - {name: git-gate, argv: [c]}\n  - {name: supervise, argv: [d]}\n",
      "daemons.yaml");
}
std::vector<std::string> names(const std::vector<const DaemonSpec*>& v) {
  std::vector<std::string> out;
  for (auto* d : v) out.push_back(d->name);
  return out;
}
std::string error_of(const std::optional<std::string>& sel) {
  try {
    select_daemons(four(), sel);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DaemonSelection, UnsetSelectsEveryDaemonInRegistryOrder) {
  Registry r = four();
  EXPECT_EQ(names(select_daemons(r, std::nullopt)),
            (std::vector<std::string>{"pipelock", "egress", "git-gate", "supervise"}));
}

TEST(DaemonSelection, ListIsStartedInRegistryOrderWhateverItsOrder) {
  Registry r = four();
  EXPECT_EQ(names(select_daemons(r, " supervise ,pipelock")),
            (std::vector<std::string>{"pipelock", "supervise"}));
}

TEST(DaemonSelection, ToleratesWhitespaceStrayCommasAndRepeats) {
  Registry r = four();
  EXPECT_EQ(names(select_daemons(r, "\tegress,\n egress ,,")),
            (std::vector<std::string>{"egress"}));
}

TEST(DaemonSelection, UnknownNameIsAnErrorListingValidNames) {
  std::string e = error_of("pipelock,egres");
  EXPECT_NE(e.find("unknown daemon 'egres'"), std::string::npos) << e;
  EXPECT_NE(e.find("valid: pipelock, egress, git-gate, supervise"), std::string::npos) << e;
}

TEST(DaemonSelection, EmptySelectionIsAnError) {
  for (std::string sel : {"", "  ", ",", " , "}) {
    std::string e = error_of(sel);
    EXPECT_NE(e.find("selects no daemon"), std::string::npos) << "'" << sel << "': " << e;
    EXPECT_NE(e.find("valid: pipelock"), std::string::npos) << e;
  }
}

TEST(DaemonSelection, NamesAreCaseSensitive) {
  EXPECT_NE(error_of("Pipelock").find("unknown daemon 'Pipelock'"), std::string::npos);
}
