#include <doctest/doctest.h>
#include <sodium.h>

#include <string>

#include "tactful/report_open.hpp"

using namespace tactful;

namespace {
std::string b64(const uint8_t* data, size_t len) {
  std::string out(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, len, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

struct Site {
  PublicKey pk;
  SecretKey sk;
  ReportRules rules;
  Site() {
    crypto_box_keypair(pk.data(), sk.data());
    json config = json::parse(R"({
      "reporting": {"publicKey": ")" + b64(pk.data(), pk.size()) + R"(", "windowSeconds": 60, "epsilonBudget": 5},
      "metrics": [
        {"id": "hero-clicks", "kind": "slotShownClicked", "slot": "hero", "epsilon": 1},
        {"id": "top-interest", "kind": "topInterest", "epsilon": 1},
        {"id": "converted", "kind": "converted", "epsilon": 1}
      ]})");
    Taxonomy taxonomy;
    taxonomy.interests = {{"trail-running", "Trail running", ""}, {"cooking", "Cooking", ""}};
    Diagnostics diag;
    rules = parse_report_rules(config, taxonomy, {{"hero", {"trail"}}}, diag);
    REQUIRE(diag.ok());
  }
  std::string report() {
    WindowAccumulator acc;
    acc.start(1700000000000);
    acc.observe_shown("hero", "trail");
    auto sealed = build_report(rules, acc, {{"interests"}, "cooking"});
    REQUIRE(sealed.ok());
    return b64(sealed->data(), sealed->size());
  }
  std::string secret() const { return b64(sk.data(), sk.size()); }
};
}  // namespace

TEST_CASE("report.open shows a report's window and each metric's noised value, by label") {
  Site site;
  json out = open_report_json(site.rules, {{"report", site.report()}, {"secretKey", site.secret()}});
  REQUIRE_MESSAGE(out.value("ok", false), out.dump());
  CHECK(out["window"] == 1700000000000 / 1000 / 60);
  CHECK(out["windowStart"] == int64_t(1700000000000 / 60000) * 60000);
  CHECK(out["size"] == site.rules.report_size);
  CHECK(out["keyId"] == key_id_hex(site.rules.key_id));
  REQUIRE(out["metrics"].size() == 3);
  CHECK(out["metrics"][0]["id"] == "hero-clicks");
  const json& interest = out["metrics"][1];
  CHECK(interest["kind"] == "topInterest");
  // Randomized response reports one label of the metric's domain.
  REQUIRE(interest["mechanism"] == "GRR");
  REQUIRE(interest["supports"].size() == 1);
  CHECK(interest["value"] == interest["supports"][0]);
  std::string label = interest["value"].get<std::string>();
  CHECK((label == "trail-running" || label == "cooking" || label == "(no data)"));
}

TEST_CASE("report.open refuses a wrong key, altered bytes and malformed input with a path") {
  Site site, other;
  std::string report = site.report();
  CHECK(open_report_json(site.rules, {{"report", report}, {"secretKey", other.secret()}}).contains("error"));

  std::string altered = report;
  altered[20] = altered[20] == 'A' ? 'B' : 'A';
  json out = open_report_json(site.rules, {{"report", altered}, {"secretKey", site.secret()}});
  CHECK(out["path"] == "report");

  CHECK(open_report_json(site.rules, {{"report", "%%%"}, {"secretKey", site.secret()}})["path"] == "report");
  CHECK(open_report_json(site.rules, {{"report", report}, {"secretKey", "c2hvcnQ="}})["path"] == "secretKey");
  CHECK(open_report_json(site.rules, json::array()).contains("error"));
}

TEST_CASE("report.open needs a config with a reporting section") {
  Site site;
  CHECK(open_report_json(ReportRules{}, {{"report", site.report()}, {"secretKey", site.secret()}}).contains("error"));
}
