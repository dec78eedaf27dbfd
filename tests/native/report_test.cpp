#include <doctest/doctest.h>

#include "canonical.hpp"
#include <sodium.h>

#include <string>

#include "tactful/report.hpp"

using namespace tactful;

namespace {
struct Keys {
  PublicKey pk;
  SecretKey sk;
  std::string b64;
  Keys() {
    crypto_box_keypair(pk.data(), sk.data());
    char buf[64];
    sodium_bin2base64(buf, sizeof buf, pk.data(), pk.size(), sodium_base64_VARIANT_ORIGINAL);
    b64 = buf;
  }
};

Taxonomy test_taxonomy() {
  Taxonomy t;
  t.interests = {{"trail-running", "Trail running", ""}, {"cooking", "Cooking", ""}, {"pharmacy", "Pharmacy", "health"}};
  return t;
}

json site_config(const std::string& pk) {
  return json::parse(R"({
    "reporting": {"publicKey": ")" + pk + R"(", "windowSeconds": 60, "epsilonBudget": 5,
                  "sendDelayMs": {"min": 0, "max": 0}, "minReportsPerCell": 5},
    "metrics": [
      {"id": "hero-clicks", "kind": "slotShownClicked", "slot": "hero", "epsilon": 1},
      {"id": "hero-conversions", "kind": "slotShownConverted", "slot": "hero", "epsilon": 1},
      {"id": "top-interest", "kind": "topInterest", "epsilon": 1},
      {"id": "converted", "kind": "converted", "epsilon": 1},
      {"id": "pages", "kind": "pagesPerVisit", "epsilon": 1, "buckets": [1, 2, 4, 8]}
    ]})");
}

SlotVariants hero() { return {{"hero", {"trail", "kitchen"}}}; }

ReportRules rules_for(const json& config) {
  Diagnostics diag;
  ReportRules rules = parse_report_rules(config, test_taxonomy(), hero(), diag);
  REQUIRE_MESSAGE(diag.ok(), (diag.errors.empty() ? "" : diag.errors[0].to_string()));
  return rules;
}

std::string first_error(const json& config) {
  Diagnostics diag;
  parse_report_rules(config, test_taxonomy(), hero(), diag);
  return diag.errors.empty() ? "" : diag.errors[0].to_string();
}
}  // namespace

TEST_CASE("the reporting section has safe defaults") {
  Keys keys;
  json config = {{"reporting", {{"publicKey", keys.b64}}}};
  ReportRules rules = rules_for(config);
  CHECK(rules.enabled);
  CHECK(rules.collector == "/collect");
  CHECK(rules.window_seconds == 86400);
  CHECK(rules.key_id == key_id_of(keys.pk));
  CHECK(rules.metrics.empty());
  CHECK_FALSE(rules_for(json::object()).enabled);
}

TEST_CASE("each metric's domain ends in 'no data' and slots start with the default variant") {
  Keys keys;
  ReportRules rules = rules_for(site_config(keys.b64));
  REQUIRE(rules.metrics.size() == 5);
  CHECK(rules.metrics[0].variants == std::vector<std::string>{"default", "trail", "kitchen"});
  CHECK(rules.metrics[0].labels.size() == 7);
  CHECK(rules.metrics[0].labels[3] == "trail|clicked");
  CHECK(rules.metrics[2].labels == std::vector<std::string>{"trail-running", "cooking", "(no data)"});  // no sensitive
  CHECK(rules.metrics[3].labels == std::vector<std::string>{"no", "yes", "(no data)"});
  CHECK(rules.metrics[4].labels == std::vector<std::string>{"1", "2-3", "4-7", "8+", "(no data)"});
  CHECK(epsilon_per_report(rules) == doctest::Approx(5));
}

TEST_CASE("the ε of all metrics may not exceed the window's budget") {
  Keys keys;
  json config = site_config(keys.b64);
  config["reporting"]["epsilonBudget"] = 4.5;
  CHECK(first_error(config) == "metrics[4].epsilon: total ε 5 exceeds reporting.epsilonBudget 4.5");
}

TEST_CASE("a budget out of range is the one error: the metrics are not measured against a budget the site never set") {
  Keys keys;
  json config = site_config(keys.b64);
  for (auto& m : config["metrics"]) m["epsilon"] = 9;
  config["reporting"]["epsilonBudget"] = 60;
  Diagnostics diag;
  parse_report_rules(config, test_taxonomy(), hero(), diag);
  REQUIRE(diag.errors.size() == 1);
  CHECK(diag.errors[0].to_string() == "reporting.epsilonBudget: must be a number in (0, 50]");
}

TEST_CASE("bad reporting settings are errors with their path") {
  Keys keys;
  json config = site_config(keys.b64);
  config["reporting"]["publicKey"] = "AAAA";
  CHECK(first_error(config) == "reporting.publicKey: must be 32 bytes in standard base64");
  config = site_config(keys.b64);
  config["reporting"]["keyId"] = "00000000";
  CHECK(first_error(config).rfind("reporting.keyId: does not match publicKey", 0) == 0);
  config = site_config(keys.b64);
  config["reporting"]["windowSeconds"] = 0;
  CHECK(first_error(config) == "reporting.windowSeconds: must be between 1 and 31622400");
  config = site_config(keys.b64);
  config["reporting"]["sendDelayMs"] = {{"min", 10}, {"max", 5}};
  CHECK(first_error(config) == "reporting.sendDelayMs.max: must not be below min");
  // One bound alone is compared with the other's default, which the owner never wrote: the error says it.
  config["reporting"]["sendDelayMs"] = {{"max", 500}};
  CHECK(first_error(config) == "reporting.sendDelayMs.max: must not be below min (1000 when not given)");
  config["reporting"]["sendDelayMs"] = {{"min", 40000}};
  CHECK(first_error(config) == "reporting.sendDelayMs.min: must not be above max (30000 when not given)");
  config = site_config(keys.b64);
  config["reporting"]["allowedOrigins"] = {"https://shop.example/path"};
  CHECK(first_error(config) == "reporting.allowedOrigins[0]: must be an origin like https://shop.example");
  config = site_config(keys.b64);
  config["metrics"][1]["slot"] = "sidebar";
  CHECK(first_error(config).rfind("metrics[1].slot: unknown slot 'sidebar'", 0) == 0);
  config = site_config(keys.b64);
  config["metrics"][2]["kind"] = "everything";
  CHECK(first_error(config).rfind("metrics[2].kind: must be one of", 0) == 0);
  config = site_config(keys.b64);
  config["metrics"][3]["categories"] = {"health"};
  CHECK(first_error(config).rfind("metrics[3].categories[0]:", 0) == 0);
  config = site_config(keys.b64);
  config["metrics"][3]["epsilon"] = 1e-17;  // in (0, 10], but p = q: no estimate could be made
  CHECK(first_error(config) == "metrics[3].epsilon: is too small to estimate anything (e^ε rounds to 1)");
  config = site_config(keys.b64);
  config["metrics"][4]["id"] = "converted";
  CHECK(first_error(config) == "metrics[4].id: duplicate metric id 'converted'");
  config = site_config(keys.b64);
  config["reporting"]["publicKey"] = 42;
  CHECK(first_error(config).rfind("reporting.publicKey:", 0) == 0);
  CHECK(first_error(json{{"metrics", json::array()}}).rfind("metrics: metrics need a reporting section", 0) == 0);
}

TEST_CASE("a metric key of another kind is an error, not quietly ignored") {
  // report-format.md: slot and variants belong to the slot kinds, buckets to
  // pagesPerVisit; "any other key is an error". A "slot" on a converted metric
  // would otherwise look per slot and be site-wide.
  Keys keys;
  json config = site_config(keys.b64);
  config["metrics"][3]["slot"] = "hero";
  CHECK(first_error(config) == "metrics[3].slot: applies only to slotShownClicked and slotShownConverted metrics");
  config = site_config(keys.b64);
  config["metrics"][2]["variants"] = {"trail"};
  CHECK(first_error(config) == "metrics[2].variants: applies only to slotShownClicked and slotShownConverted metrics");
  config = site_config(keys.b64);
  config["metrics"][0]["buckets"] = {1, 2};
  CHECK(first_error(config) == "metrics[0].buckets: applies only to pagesPerVisit metrics");
  CHECK(first_error(site_config(keys.b64)) == "");
}

TEST_CASE("the collector and the browser derive the same layout from the same config") {
  Keys keys;
  ReportRules a = rules_for(site_config(keys.b64));
  ReportRules b = rules_for(site_config(keys.b64));
  CHECK(a.schema_id == b.schema_id);
  json changed = site_config(keys.b64);
  changed["metrics"][0]["epsilon"] = 0.9;
  CHECK(rules_for(changed).schema_id != a.schema_id);
  SlotVariants from_config = slot_variants_from_config(
      json::parse(R"({"slots": [{"id": "hero", "variants": [{"id": "trail"}, {"id": "kitchen"}]}]})"));
  CHECK(from_config == hero());
}

TEST_CASE("the same content shown again on its page is not another showing, only the one shown last") {
  WindowAccumulator acc;
  acc.start(1000);
  CHECK(acc.observe_shown("hero", "trail"));
  CHECK_FALSE(acc.observe_shown("hero", "trail", false));  // decided again, same content: nothing changes
  CHECK(acc.slots["hero"].variants[0].shown == 1);
  CHECK(acc.observe_shown("hero", "kitchen"));  // another tab shows another variant
  CHECK(acc.observe_shown("hero", "trail", false));  // this page's content is the one shown last again
  CHECK(acc.slots["hero"].variants[0].shown == 1);
  CHECK(acc.slots["hero"].last_shown == 0);
  acc.observe_click("hero");
  CHECK(acc.slots["hero"].variants[0].clicked);
}

TEST_CASE("the accumulator keeps what was shown, clicked, converted and visited") {
  ReportRules rules;
  rules.window_seconds = 60;
  WindowAccumulator acc;
  CHECK_FALSE(acc.started());
  acc.start(1000);
  CHECK_FALSE(acc.due(rules, 60999));
  CHECK(acc.due(rules, 61000));
  acc.observe_shown("hero", "trail");
  acc.observe_shown("hero", "trail");
  acc.observe_shown("hero", "kitchen");
  acc.observe_click("hero");
  acc.observe_click("nowhere");
  acc.observe_page_view(0);
  acc.observe_page_view(60000);
  acc.observe_page_view(60000 + 31 * 60000);
  CHECK(acc.visits == 2);
  CHECK(acc.page_views == 3);
  CHECK(acc.slots["hero"].variants[1].clicked);
  CHECK_FALSE(acc.slots["hero"].variants[0].clicked);
  CHECK(acc.slots.count("nowhere") == 0);

  auto back = WindowAccumulator::from_json(parse_canonical(acc.to_json()));
  REQUIRE(back.ok());
  CHECK(back->to_json() == acc.to_json());
  CHECK_FALSE(WindowAccumulator::from_json(json{{"visits", 3}, {"pageViews", 1}}).ok());
  CHECK(WindowAccumulator::from_json(json{{"slots", {{"hero", 1}}}}).error().path == "slots.hero");
}

TEST_CASE("a metric whose data category is not allowed reports no data") {
  Keys keys;
  json config = site_config(keys.b64);
  config["metrics"][3]["categories"] = {"purchases"};
  ReportRules rules = rules_for(config);
  WindowAccumulator acc;
  acc.observe_shown("hero", "trail");
  acc.observe_click("hero");
  acc.observe_conversion();
  acc.observe_page_view(0);
  acc.observe_page_view(1000);
  ReportInputs inputs;
  inputs.top_interest = "cooking";
  auto values = report_values(rules, acc, inputs);
  // interests not allowed: no top interest; purchases not allowed: no conversion.
  CHECK(values == std::vector<uint32_t>{3, 3, 2, 2, 1});
  inputs.allowed_categories = {"interests", "purchases"};
  CHECK(report_values(rules, acc, inputs) == std::vector<uint32_t>{3, 3, 1, 1, 1});
  inputs.top_interest = "pharmacy";  // sensitive: never a reportable value
  CHECK(report_values(rules, acc, inputs)[2] == 2);
}

TEST_CASE("a click is reported with the variant clicked, even when another was shown more") {
  Keys keys;
  ReportRules rules = rules_for(site_config(keys.b64));
  WindowAccumulator acc;
  acc.start(0);
  acc.observe_shown("hero", "default");  // before the visitor chose anything
  acc.observe_shown("hero", "default");
  acc.observe_shown("hero", "trail");
  acc.observe_click("hero");
  CHECK(report_values(rules, acc, {})[0] == 3);  // trail (position 1), clicked
  WindowAccumulator unclicked;
  unclicked.start(0);
  unclicked.observe_shown("hero", "default");
  unclicked.observe_shown("hero", "default");
  unclicked.observe_shown("hero", "trail");
  CHECK(report_values(rules, unclicked, {})[0] == 0);  // the default, shown most, not clicked
}

TEST_CASE("every report has the same size, whatever it holds") {
  Keys keys;
  ReportRules rules = rules_for(site_config(keys.b64));
  WindowAccumulator empty, busy;
  empty.start(0);
  busy.start(0);
  busy.observe_shown("hero", "kitchen");
  busy.observe_conversion();
  for (int i = 0; i < 50; ++i) busy.observe_page_view(i * 1000);
  auto a = build_report(rules, empty, {});
  auto b = build_report(rules, busy, {{"interests"}, "trail-running"});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == rules.report_size);
  CHECK(b->size() == rules.report_size);
  CHECK(rules.plaintext_size % kPlaintextAlign == 0);
}

TEST_CASE("one report per window: a second is refused and the ε spent shows it") {
  Keys keys;
  ReportRules rules = rules_for(site_config(keys.b64));
  WindowAccumulator acc;
  CHECK_FALSE(build_report(rules, acc, {}).ok());  // not started: nothing to report
  acc.start(0);
  CHECK(epsilon_spent(rules, acc) == 0);
  REQUIRE(build_report(rules, acc, {}).ok());
  CHECK(epsilon_spent(rules, acc) == doctest::Approx(5));
  CHECK_FALSE(build_report(rules, acc, {}).ok());
}

TEST_CASE("an opened report holds the window and noised values, no identifier and no profile string") {
  Keys keys;
  ReportRules rules = rules_for(site_config(keys.b64));
  WindowAccumulator acc;
  acc.start(1700000000000);
  acc.observe_shown("hero", "kitchen");
  auto report = build_report(rules, acc, {{"interests"}, "trail-running"});
  REQUIRE(report.ok());
  CHECK((*report)[0] == kReportVersion);
  auto opened = open_report(rules, report->data(), report->size(), keys.sk);
  REQUIRE(opened.ok());
  CHECK(opened->window_id == 1700000000000 / 1000 / 60);
  std::string text(opened->plaintext.begin(), opened->plaintext.end());
  for (const char* s : {"trail", "kitchen", "hero", "running"}) CHECK(text.find(s) == std::string::npos);
}

TEST_CASE("open_report refuses wrong size, version, key, seal, layout and domain") {
  Keys keys, other;
  ReportRules rules = rules_for(site_config(keys.b64));
  WindowAccumulator acc;
  acc.start(0);
  auto good = *build_report(rules, acc, {});
  CHECK(open_report(rules, good.data(), good.size() - 1, keys.sk).error().message.find("expected") != std::string::npos);
  auto bad = good;
  bad[0] = 2;
  CHECK(open_report(rules, bad.data(), bad.size(), keys.sk).error().message == "unsupported report version 2");
  bad = good;
  bad[1] ^= 1;
  CHECK(open_report(rules, bad.data(), bad.size(), keys.sk).error().message == "unknown key id");
  bad = good;
  bad[60] ^= 1;
  CHECK_FALSE(open_report(rules, bad.data(), bad.size(), keys.sk).ok());
  CHECK_FALSE(open_report(rules, good.data(), good.size(), other.sk).ok());

  SeededRandom rng(5);
  auto plain = encode_plaintext(rules, 1, {0, 0, 0, 0, 0}, rng);
  CHECK(decode_plaintext(rules, plain).ok());
  auto out_of_domain = plain;
  out_of_domain[rules.metrics[3].offset] = 3;  // converted: 0..2
  CHECK(decode_plaintext(rules, out_of_domain).error().path == "converted");
  auto padded = plain;
  padded.back() = 1;
  CHECK(decode_plaintext(rules, padded).error().message == "padding is not zero");
  auto other_layout = plain;
  other_layout[1] ^= 0xff;
  CHECK(decode_plaintext(rules, other_layout).error().message == "report made for another metric layout");
}

TEST_CASE("sendDelayMs is {min, max}, or a number meaning up to that many milliseconds") {
  tactful::Diagnostics diag;
  tactful::json root = tactful::json::parse(R"({"taxonomy": [], "reporting": {"publicKey": "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=", "sendDelayMs": 0}, "metrics": [{"id": "c", "kind": "converted", "epsilon": 1}]})");
  auto rules = tactful::parse_report_rules(root, tactful::Taxonomy{}, {}, diag);
  CHECK(diag.ok());
  CHECK(rules.send_delay_min_ms == 0);
  CHECK(rules.send_delay_max_ms == 0);
  root["reporting"]["sendDelayMs"] = "soon";
  tactful::Diagnostics bad;
  tactful::parse_report_rules(root, tactful::Taxonomy{}, {}, bad);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors.front().path == "reporting.sendDelayMs");
}

TEST_CASE("a config without the collector's key is a valid template that reports nothing") {
  tactful::Diagnostics diag;
  tactful::json root = tactful::json::parse(
      R"({"taxonomy": [], "reporting": {}, "metrics": [{"id": "c", "kind": "converted", "epsilon": 1}]})");
  auto rules = tactful::parse_report_rules(root, tactful::Taxonomy{}, {}, diag);
  CHECK(diag.ok());
  REQUIRE(diag.warnings.size() == 1);
  CHECK(diag.warnings[0].path == "reporting.publicKey");
  CHECK_FALSE(rules.enabled);
}
