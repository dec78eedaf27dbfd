// The shared config checks (config_read.hpp), and every section's unknown-key
// report through load_config: exact paths and messages, as docs/config.md shows.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "tactful/config.hpp"
#include "tactful/config_read.hpp"

using namespace tactful;

TEST_CASE("is_one_of matches whole words only") {
  CHECK(is_one_of("id", "id label sensitive"));
  CHECK(is_one_of("sensitive", "id label sensitive"));
  CHECK_FALSE(is_one_of("label sensitive", "id label sensitive"));
  CHECK_FALSE(is_one_of("lab", "id label sensitive"));
  CHECK_FALSE(is_one_of("", "id label"));
  CHECK_FALSE(is_one_of(std::string_view("id\0x", 4), "id label"));
}

TEST_CASE("every section names an unknown key with its path and what it expected") {
  const char* config = R"({
    "site": {"directedAtChildren": false}, "policyVersion": "1", "extra": 1,
    "consent": {"maxReceipt": 5},
    "profile": {"maxItem": 5},
    "taxonomy": [{"id": "t", "label": "T", "lable": "x"}],
    "page": {"max": 1},
    "slots": [{"id": "s", "variant": [], "variants": [
      {"id": "v", "colour": 1, "caps": {"perMonth": 1}}], "experiment": {"key": "k", "seed": 1}}],
    "reporting": {"collector": "/c", "publicKey": "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=", "sendDelay": 1},
    "metrics": [{"id": "m", "kind": "converted", "epsilon": 1, "category": ["purchases"]}]
  })";
  Diagnostics diag;
  CHECK_FALSE(load_config(config, diag).ok());
  std::vector<std::string> errors;
  for (const auto& e : diag.errors) errors.push_back(e.to_string());
  for (const char* expected : {
           "extra: unknown config key",
           "consent.maxReceipt: unknown key (expected personalizationDefault, reaskAfterDays, maxReceipts)",
           "profile.maxItem: unknown key (expected halfLifeDays, minEvidence, retentionDays, maxItems, maxBytes, "
           "itemLevelPurchases)",
           "taxonomy[0].lable: unknown key (expected id, label, sensitive)",
           "page.max: unknown key (expected maxPersonalizedSlots)",
           "slots[0].variant: unknown slot key (expected id, label, variants, experiment)",
           "slots[0].variants[0].colour: unknown variant key (expected id, condition, weight, content, template, caps, "
           "reason)",
           "slots[0].variants[0].caps.perMonth: unknown cap (expected perDay, perWeek)",
           "slots[0].experiment.seed: unknown experiment key (expected key, hashVersion)",
           "reporting.sendDelay: unknown key (expected collector, publicKey, keyId, windowSeconds, epsilonBudget, "
           "sendDelayMs, allowedOrigins, minReportsPerCell, retentionDays)",
           "metrics[0].category: unknown metric key (expected id, kind, epsilon, categories, slot, variants, buckets)",
       }) {
    CHECK_MESSAGE(std::find(errors.begin(), errors.end(), expected) != errors.end(), "missing: " << expected);
  }
  CHECK(errors.size() == 11);
}

TEST_CASE("a text per language in another language than en or es is a warning at its path, not an error") {
  // A typo such as "enn" would otherwise leave English visitors the fallback without a word.
  const char* config = R"({
    "policyVersion": "1",
    "taxonomy": [{"id": "t", "label": {"en": "T", "fr": "T"}}],
    "slots": [{"id": "s", "variants": [{"id": "v", "reason": {"enn": "Because.", "es": "Porque."}}]}],
    "panel": {"label": {"EN": "Privacy"}, "descriptions": {"aggregate": {"en": "x", "de": "y"}}},
    "invitation": {"title": {"es": "¿Sí?", "pt": "Sim?"}},
    "policyChanges": {"en": "New.", "es": "Nuevo."}
  })";
  Diagnostics diag;
  CHECK(load_config(config, diag).ok());
  CHECK(diag.errors.empty());
  std::vector<std::string> warnings;
  for (const auto& e : diag.warnings) warnings.push_back(e.to_string());
  const std::string expected = ": unknown language, shown to no one (visitors are shown en or es)";
  for (const char* path : {"taxonomy[0].label.fr", "slots[0].variants[0].reason.enn", "panel.label.EN",
                           "panel.descriptions.aggregate.de", "invitation.title.pt"}) {
    CHECK_MESSAGE(std::find(warnings.begin(), warnings.end(), path + expected) != warnings.end(), "missing: " << path);
  }
  CHECK(warnings.size() == 5);
}

TEST_CASE("a config over 2 MiB is refused before it is parsed, with its size") {
  // Valid JSON all the same: a long site name, the size being the only fault.
  std::string huge = R"({"version": 1, "site": {"name": ")" + std::string(2 * 1024 * 1024, 'x') + R"("}})";
  Diagnostics diag;
  CHECK_FALSE(load_config(huge, diag).ok());
  REQUIRE(diag.errors.size() == 1);
  CHECK(diag.errors[0].to_string() ==
        "config is " + std::to_string(huge.size()) + " bytes, more than the 2097152 bytes (2 MiB) a config may have");
  Diagnostics fits;
  load_config(R"({"version": 1, "site": {"name": ")" + std::string(1024 * 1024, 'x') + R"("}})", fits);
  for (const auto& e : fits.errors) CHECK(e.to_string().find("bytes") == std::string::npos);
}

TEST_CASE("a whole number may be written with a decimal point or an exponent, as JSON.parse reads it") {
  std::ifstream f(std::string(TACTFUL_SOURCE_DIR) + "/demo-site/tactful.config.json");
  std::stringstream text;
  text << f.rdbuf();
  // Every number of the demo config written as a tool that keeps floats writes
  // it: 150 as 150.0, and 2 as 2e0 once, so both spellings are read.
  std::string floats = std::regex_replace(text.str(), std::regex(R"(([:\[,]\s*)(\d+)(?=\s*[,}\]]))"), "$1$2.0");
  floats = std::regex_replace(floats, std::regex(R"("maxPersonalizedSlots": 2\.0)"), R"("maxPersonalizedSlots": 2e0)");
  REQUIRE(floats.find("\"deadlineMs\": 150.0") != std::string::npos);
  REQUIRE(floats.find("\"buckets\": [1.0, 2.0, 4.0, 8.0]") != std::string::npos);
  Diagnostics as_written, as_floats;
  auto a = load_config(text.str(), as_written);
  auto b = load_config(floats, as_floats);
  REQUIRE(a.ok());
  for (const auto& e : as_floats.errors) MESSAGE(e.to_string());
  REQUIRE(b.ok());
  CHECK(b.value().decide.deadline_ms == a.value().decide.deadline_ms);
  CHECK(b.value().decide.max_personalized_slots == 2);
  CHECK(b.value().decide.slots[2].variants[0].caps.per_week == 6);
  CHECK(b.value().reporting.window_seconds == a.value().reporting.window_seconds);
  CHECK(b.value().reporting.send_delay_max_ms == 3000);
  CHECK(b.value().reporting.min_reports_per_cell == 20);
  CHECK(b.value().reporting.metrics.back().buckets == a.value().reporting.metrics.back().buckets);
  CHECK(b.value().consent.reask_after_days == 180);
  CHECK(b.value().profile.retention_purchases == 365);

  // A fraction is still not a whole number.
  Diagnostics half;
  std::string fraction = std::regex_replace(text.str(), std::regex(R"("deadlineMs": 150)"), R"("deadlineMs": 150.5)");
  CHECK_FALSE(load_config(fraction, half).ok());
  REQUIRE(half.errors.size() == 1);
  CHECK(half.errors[0].to_string() == "deadlineMs: must be an integer from 0 to 10000");
}
