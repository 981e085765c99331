#include "pipelock_document.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bottle/config/config_error.hpp"

using namespace host_tools;

TEST(PipelockDocument, RendersStrictModeWithOnlyTheSidecarsAddressExemptFromSsrf) {
  const YAML::Node root = YAML::Load(render_pipelock_config({"a.com", "*.b.com"}, "10.213.0.2"));
  EXPECT_EQ(root["version"].as<int>(), 1);
  EXPECT_EQ(root["mode"].as<std::string>(), "strict");
  EXPECT_EQ(root["api_allowlist"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"a.com", "*.b.com"}));
  EXPECT_EQ(root["fetch_proxy"]["listen"].as<std::string>(), "0.0.0.0:8888");
  EXPECT_TRUE(root["forward_proxy"]["enabled"].as<bool>());
  EXPECT_EQ(root["ssrf"]["ip_allowlist"].as<std::vector<std::string>>(),
            std::vector<std::string>{"10.213.0.2/32"});
  EXPECT_EQ(root["tls_interception"]["ca_key"].as<std::string>(),
            "/etc/bottle/pipelock/ca-key.pem");
  EXPECT_EQ(root["logging"]["format"].as<std::string>(), "json");
}

TEST(PipelockDocument, ChangingTheAllowlistKeepsEveryOtherKeyIncludingUnknownOnes) {
  const std::string live =
      "version: 1\nmode: strict\nfuture_feature:\n  knob: 7\n  list: [x, y]\n"
      "api_allowlist: [a.com]\nssrf:\n  ip_allowlist: [10.1.0.0/16]\n  extra: true\n";
  auto doc = PipelockDocument::parse(live, "pipelock.yaml");
  EXPECT_EQ(doc.allowlist(), std::vector<std::string>{"a.com"});
  doc.set_allowlist({"a.com", "new.org"});
  const std::string rendered = doc.render();

  const YAML::Node before = YAML::Load(live);
  const YAML::Node after = YAML::Load(rendered);
  for (const auto& kv : before) {
    const std::string key = kv.first.Scalar();
    if (key == "api_allowlist") continue;
    EXPECT_EQ(YAML::Dump(after[key]), YAML::Dump(kv.second)) << key;
  }
  EXPECT_EQ(after.size(), before.size());
  EXPECT_EQ(PipelockDocument::parse(rendered, "again").allowlist(),
            (std::vector<std::string>{"a.com", "new.org"}));
  // The order of keys is kept, so a diff of the file shows only the change.
  EXPECT_LT(rendered.find("future_feature"), rendered.find("api_allowlist"));
}

TEST(PipelockDocument, RefusesAnEmptyAllowlistAndBadLiveFiles) {
  auto doc = PipelockDocument::parse("api_allowlist: [a.com]\n", "p.yaml");
  EXPECT_THROW(doc.set_allowlist({}), bottle::config::ConfigError);
  try {
    PipelockDocument::parse("mode: strict\napi_allowlist:\n  - a.com\n  - 'x y'\n", "p.yaml");
    FAIL();
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("p.yaml:4: key 'api_allowlist': 'x y' has", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(PipelockDocument::parse("mode: strict\n", "p.yaml"), bottle::config::ConfigError);
  EXPECT_THROW(PipelockDocument::parse("api_allowlist: [a.com\n", "p.yaml"),
               bottle::config::ConfigError);
}
