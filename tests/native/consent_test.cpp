// The consent rules, in sentences.
#include <doctest/doctest.h>

#include "canonical.hpp"

#include "tactful/consent.hpp"
#include "tactful/profile.hpp"

using namespace tactful;

namespace {
constexpr int64_t T0 = 1740000000000;  // 2025-02-19
constexpr int64_t DAY = 86400000;

ConsentRules rules_v(const char* version) {
  ConsentRules r;
  r.policy_version = version;
  return r;
}

Status set(Consent& c, Profile& p, const char* change, bool gesture = true,
           ConsentSource source = ConsentSource::visitor, int64_t now = T0) {
  return apply_consent_change(c, p, json::parse(change), source, gesture, now);
}

Consent opted_in(Profile& p) {
  Consent c = initial_consent(rules_v("2025-01"), {}, T0);
  REQUIRE(set(c, p, R"({"purposes":{"personalization":true}})").ok());
  return c;
}
}  // namespace

TEST_CASE("config: consent rules are read with defaults, and mistakes name their path") {
  Diagnostics d;
  ConsentRules r = parse_consent_rules(json::parse(R"({"policyVersion":"2025-01",
      "consent":{"personalizationDefault":true,"reaskAfterDays":90},"site":{"directedAtChildren":true}})"), d);
  CHECK(d.ok());
  CHECK(r.policy_version == "2025-01");
  CHECK(r.personalization_default);
  CHECK(r.reask_after_days == 90);
  CHECK(r.max_receipts == 50);
  CHECK(r.directed_at_children);

  Diagnostics bad;
  parse_consent_rules(json::parse(R"({"policyVersion":3,"consent":{"personalizationDefualt":true,
      "maxReceipts":0},"site":{"directedAtChildren":"yes"}})"), bad);
  REQUIRE(bad.errors.size() == 4);
  CHECK(bad.errors[0].to_string() == "policyVersion: must be a non-empty string of at most 64 characters");
  CHECK(bad.errors[1].path == "consent.personalizationDefualt");
  CHECK(bad.errors[2].to_string() == "consent.maxReceipts: must be an integer 1..1000");
  CHECK(bad.errors[3].to_string() == "site.directedAtChildren: must be true or false");

  Diagnostics missing;
  parse_consent_rules(json::object(), missing);
  CHECK(missing.ok());
  CHECK(missing.warnings.size() == 1);
}

TEST_CASE("by default both purposes are off and only interests is a standing category") {
  Consent c = initial_consent(rules_v("2025-01"), {}, T0);
  json j = parse_canonical(consent_to_json(c));
  CHECK(j == json::parse(R"({"purposes":{"personalization":false,"aggregate":false},
      "categories":{"interests":true,"purchases":false,"location":false,"occasions":false},
      "signals":{"gpc":false,"dnt":false},"policyVersion":"2025-01"})"));
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  // interests is chosen, but without personalization nothing is collected.
  CHECK_FALSE(allowed(c, Category::interests));
  CHECK(parse_canonical(consent_receipts(c)).size() == 1);
  CHECK(parse_canonical(consent_receipts(c))[0]["source"] == "default");
}

TEST_CASE("with personalization granted, interests is on and the other categories stay off") {
  Profile p;
  Consent c = opted_in(p);
  CHECK(allowed(c, Category::interests));
  CHECK_FALSE(allowed(c, Category::purchases));
  CHECK_FALSE(allowed(c, Category::location));
  CHECK_FALSE(allowed(c, Category::occasions));
  CHECK_FALSE(allowed(c, Purpose::aggregate));
}

TEST_CASE("a site may default personalization on, and the receipt says the site chose it") {
  ConsentRules r = rules_v("1");
  r.personalization_default = true;
  Consent c = initial_consent(r, {}, T0);
  CHECK(allowed(c, Category::interests));
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  CHECK(c.receipts.back().reason.find("site's configuration") != std::string::npos);
}

TEST_CASE("a grant outside a user gesture is refused and changes nothing") {
  Profile p;
  Consent c = initial_consent(rules_v("1"), {}, T0);
  std::string before = consent_state_to_json(c);
  Status s = set(c, p, R"({"purposes":{"personalization":true,"aggregate":false}})", false, ConsentSource::site_api);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == "grant refused: consent can only be granted during a user gesture (personalization)");
  CHECK(std::string(s.error().code) == "gesture-required");  // for the panel to say in the visitor's language
  CHECK(consent_state_to_json(c) == before);
}

TEST_CASE("a refusal for want of a gesture names every grant it refused") {
  // profile.md: "every grant of the call is refused with ... (<names>)": the site
  // learns all it asked for that did not apply, not only the first.
  Profile p;
  Consent c = opted_in(p);
  Status s = set(c, p, R"({"purposes":{"aggregate":true},"categories":{"location":true,"occasions":true}})", false,
                 ConsentSource::site_api);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "grant refused: consent can only be granted during a user gesture (location, occasions, aggregate)");
}

TEST_CASE("a grant mixed with a withdrawal outside a gesture: the grant is refused, the withdrawal applies") {
  Profile p;
  Consent c = opted_in(p);
  bool withdrawn = false;
  Status s = apply_consent_change(c, p, json::parse(R"({"purposes":{"personalization":false},"categories":{"location":true}})"),
                                  ConsentSource::site_api, false, T0, &withdrawn);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "grant refused: consent can only be granted during a user gesture (location); the withdrawals in this change "
        "were applied (-personalization)");
  CHECK(std::string(s.error().code) == "gesture-required");  // kept with the applied withdrawals
  CHECK(withdrawn);
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK_FALSE(c.location);
  CHECK(c.receipts.back().reason == "-personalization");
  CHECK(c.receipts.back().source == ConsentSource::site_api);
}

TEST_CASE("grants apply together or not at all: one refused grant refuses the others") {
  Profile p;
  Consent c = initial_consent(rules_v("1"), Signals{true, false}, T0);  // GPC on
  std::string before = consent_state_to_json(c);
  bool withdrawn = true;
  Status s = apply_consent_change(c, p, json::parse(R"({"purposes":{"personalization":true,"aggregate":true}})"),
                                  ConsentSource::site_api, true, T0, &withdrawn);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().path == "purposes.aggregate");
  CHECK(s.error().message.find("Global Privacy Control") != std::string::npos);
  CHECK_FALSE(withdrawn);
  CHECK(consent_state_to_json(c) == before);
}

TEST_CASE("withdrawals always apply, even without a gesture") {
  Profile p;
  Consent c = opted_in(p);
  REQUIRE(set(c, p, R"({"purposes":{"personalization":false}})", false, ConsentSource::site_api).ok());
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK(c.receipts.back().source == ConsentSource::site_api);
  CHECK(c.receipts.back().reason == "-personalization");
}

TEST_CASE("re-stating what is already granted is not a grant and needs no gesture") {
  Profile p;
  Consent c = opted_in(p);
  size_t receipts = c.receipts.size();
  CHECK(set(c, p, R"({"purposes":{"personalization":true}})", false).ok());
  CHECK(c.receipts.size() == receipts);  // nothing changed, nothing recorded
}

TEST_CASE("bad consent changes name their path and change nothing") {
  Profile p;
  Consent c = opted_in(p);
  std::string before = consent_state_to_json(c);
  CHECK(set(c, p, R"({"purpose":{}})").error().to_string() == "purpose: unknown key (expected purposes, categories)");
  CHECK(set(c, p, R"({"purposes":{"ads":true}})").error().to_string() ==
        "purposes.ads: unknown purpose (expected personalization, aggregate)");
  CHECK(set(c, p, R"({"categories":{"health":true}})").error().path == "categories.health");
  CHECK(set(c, p, R"({"categories":{"location":"yes"}})").error().to_string() ==
        "categories.location: must be true or false");
  CHECK(set(c, p, R"({"categories":{"interests":false,"location":1}})").error().path == "categories.location");
  CHECK(set(c, p, R"([true])").error().path.empty());
  CHECK(consent_state_to_json(c) == before);
}

TEST_CASE("a category turned off deletes what it held") {
  Profile p;
  Consent c = opted_in(p);
  REQUIRE(set(c, p, R"({"categories":{"purchases":true,"location":true}})").ok());
  p.purchases.push_back({"shoes", 2, 100, {"track", T0}});
  p.country = "ES";
  p.interests.push_back({"trail-running", 3, 3, T0, {"page", T0}});
  REQUIRE(set(c, p, R"({"categories":{"purchases":false}})", false).ok());
  CHECK(p.purchases.empty());
  CHECK(p.country == "ES");
  CHECK(p.interests.size() == 1);
}

TEST_CASE("pausing personalization keeps data but stops its use") {
  Profile p;
  Consent c = opted_in(p);
  p.interests.push_back({"trail-running", 3, 3, T0, {"page", T0}});
  REQUIRE(set(c, p, R"({"purposes":{"personalization":false}})", false).ok());
  CHECK(p.interests.size() == 1);
  CHECK_FALSE(allowed(c, Category::interests));
  CHECK(parse_canonical(consent_to_json(c))["categories"]["interests"] == true);  // the standing choice is remembered
}

TEST_CASE("enforce_consent removes any stored data the consent does not cover") {
  Profile p;
  Consent c = opted_in(p);
  p.purchases.push_back({"shoes", 2, 100, {"track", T0}});
  p.birthday_month = 4;
  p.interests.push_back({"trail-running", 3, 3, T0, {"page", T0}});
  enforce_consent(p, c);
  CHECK(p.purchases.empty());
  CHECK(p.birthday_month == 0);
  CHECK(p.interests.size() == 1);
}

TEST_CASE("GPC keeps aggregate off and is recorded as the reason") {
  Consent c = initial_consent(rules_v("1"), Signals{true, false}, T0);
  CHECK(parse_canonical(consent_to_json(c))["signals"]["gpc"] == true);
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  REQUIRE(c.receipts.size() == 2);
  CHECK(c.receipts.back().source == ConsentSource::gpc);
}

TEST_CASE("with GPC or DNT on, only the visitor can turn aggregate on") {
  for (Signals s : {Signals{true, false}, Signals{false, true}}) {
    Profile p;
    Consent c = initial_consent(rules_v("1"), s, T0);
    Status refused = set(c, p, R"({"purposes":{"aggregate":true}})", true, ConsentSource::site_api);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().path == "purposes.aggregate");
    CHECK(refused.error().message.find("only the visitor can turn aggregate on") != std::string::npos);
    CHECK_FALSE(allowed(c, Purpose::aggregate));
    REQUIRE(set(c, p, R"({"purposes":{"aggregate":true}})", true, ConsentSource::visitor).ok());
    CHECK(allowed(c, Purpose::aggregate));
    // The visitor's explicit choice survives the next load with the signal still on.
    refresh_consent(c, rules_v("1"), s, T0 + DAY);
    CHECK(allowed(c, Purpose::aggregate));
  }
}

TEST_CASE("GPC arriving later turns off an aggregate the visitor did not choose themself") {
  Profile p;
  Consent c = initial_consent(rules_v("1"), {}, T0);
  REQUIRE(set(c, p, R"({"purposes":{"aggregate":true}})", true, ConsentSource::site_api).ok());
  CHECK(allowed(c, Purpose::aggregate));
  refresh_consent(c, rules_v("1"), Signals{true, false}, T0 + DAY);
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  CHECK(c.receipts.back().source == ConsentSource::gpc);
  CHECK(json::parse(c.receipts.back().choices)["purposes"]["aggregate"] == false);
}

TEST_CASE("Do Not Track arriving later turns off an aggregate the visitor did not choose themself") {
  Profile p;
  Consent c = initial_consent(rules_v("1"), {}, T0);
  REQUIRE(set(c, p, R"({"purposes":{"aggregate":true}})", true, ConsentSource::site_api).ok());
  refresh_consent(c, rules_v("1"), Signals{false, true}, T0 + DAY);
  CHECK_FALSE(c.aggregate);
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  CHECK(c.receipts.back().source == ConsentSource::dnt);
  CHECK(json::parse(c.receipts.back().choices)["purposes"]["aggregate"] == false);
}

TEST_CASE("under GPC or DNT a stored aggregate grant counts only if the visitor made it") {
  // A record restored from storage (an older build's, or one copied back) may
  // hold aggregate on beside a signal; only the visitor's own choice overrides it.
  for (Signals s : {Signals{true, false}, Signals{false, true}}) {
    Consent c = initial_consent(rules_v("1"), s, T0);
    c.aggregate = true;
    c.aggregate_by_visitor = false;
    auto restored = consent_state_from_json(json::parse(consent_state_to_json(c)));
    REQUIRE(restored.ok());
    refresh_consent(restored.value(), rules_v("1"), s, T0 + DAY);
    CHECK_FALSE(allowed(restored.value(), Purpose::aggregate));
    restored.value().aggregate_by_visitor = true;
    CHECK(allowed(restored.value(), Purpose::aggregate));
  }
}

TEST_CASE("a material policy change lapses earlier grants and records why") {
  Profile p;
  Consent c = opted_in(p);
  REQUIRE(set(c, p, R"({"purposes":{"aggregate":true},"categories":{"location":true}})").ok());
  refresh_consent(c, rules_v("2025-01"), {}, T0 + DAY);  // same policy: nothing lapses
  CHECK(allowed(c, Purpose::aggregate));
  CHECK_FALSE(should_ask(c, rules_v("2025-01"), T0 + DAY));

  refresh_consent(c, rules_v("2025-06"), {}, T0 + 2 * DAY);
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK_FALSE(allowed(c, Purpose::aggregate));
  CHECK(parse_canonical(consent_to_json(c))["policyVersion"] == "2025-06");
  CHECK(c.receipts.back().reason == "policy changed from '2025-01' to '2025-06': earlier grants lapsed");
  CHECK(c.receipts.back().policy_version == "2025-06");
  CHECK(should_ask(c, rules_v("2025-06"), T0 + 2 * DAY));
}

TEST_CASE("the site asks again after reaskAfterDays") {
  Profile p;
  Consent c = initial_consent(rules_v("1"), {}, T0);
  CHECK(should_ask(c, rules_v("1"), T0));
  REQUIRE(set(c, p, R"({"purposes":{"personalization":false}})").ok() );  // no change: still never chose
  CHECK(should_ask(c, rules_v("1"), T0));
  REQUIRE(set(c, p, R"({"purposes":{"personalization":true}})").ok());
  CHECK_FALSE(should_ask(c, rules_v("1"), T0 + 180 * DAY));
  CHECK(should_ask(c, rules_v("1"), T0 + 181 * DAY));
}

TEST_CASE("a site directed at children keeps no profile, whatever is asked") {
  ConsentRules r = rules_v("1");
  r.directed_at_children = true;
  r.personalization_default = true;
  Profile p;
  Consent c = initial_consent(r, {}, T0);
  CHECK_FALSE(allowed(c, Category::interests));
  Status s = set(c, p, R"({"categories":{"purchases":true}})");
  CHECK(s.error().to_string() ==
        "categories.purchases: grant refused: this site is directed at children and keeps no profile");
  CHECK(parse_canonical(consent_to_json(c))["categories"]["interests"] == false);
  p.interests.push_back({"trail-running", 3, 3, T0, {"page", T0}});
  enforce_consent(p, c);
  CHECK(p.interests.empty());
}

TEST_CASE("receipts record time, policy, source and choices, and stay bounded") {
  ConsentRules r = rules_v("7");
  r.max_receipts = 5;
  Profile p;
  Consent c = initial_consent(r, {}, T0);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(set(c, p, i % 2 ? R"({"categories":{"location":false}})" : R"({"categories":{"location":true}})", true,
                ConsentSource::visitor, T0 + i)
                .ok());
  }
  json receipts = parse_canonical(consent_receipts(c));
  REQUIRE(receipts.size() == 5);
  CHECK(receipts[4]["at"] == iso_time(T0 + 9));
  CHECK(receipts[4]["policyVersion"] == "7");
  CHECK(receipts[4]["source"] == "visitor");
  CHECK(receipts[4]["reason"] == "-location");
  CHECK(receipts[4]["choices"]["categories"]["location"] == false);
  CHECK(receipts[3]["choices"]["categories"]["location"] == true);
}

TEST_CASE("consent state round-trips on its own, receipts included") {
  Profile p;
  Consent c = opted_in(p);
  REQUIRE(set(c, p, R"({"purposes":{"aggregate":true}})").ok());
  auto back = consent_state_from_json(parse_canonical(consent_state_to_json(c)));
  REQUIRE(back.ok());
  CHECK(consent_state_to_json(*back) == consent_state_to_json(c));
  CHECK(back->receipts.size() == c.receipts.size());

  json broken = parse_canonical(consent_state_to_json(c));
  broken["receipts"][1]["src"] = 9;
  CHECK(consent_state_from_json(broken).error().path == "receipts[1].src");
  broken = parse_canonical(consent_state_to_json(c));
  broken["aggregate"] = "on";
  CHECK(consent_state_from_json(broken).error().to_string() == "aggregate: must be true or false");
  CHECK_FALSE(consent_state_from_json(json::array()).ok());
}

TEST_CASE("forgetting keeps one receipt and nothing that could restart profiling") {
  ConsentRules r = rules_v("1");
  r.personalization_default = true;
  Consent c = forgotten_consent(r, Signals{true, false}, T0);
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK_FALSE(allowed(c, Category::interests));
  REQUIRE(c.receipts.size() == 1);
  CHECK(c.receipts[0].reason == "the visitor chose to forget everything");
  CHECK(c.receipts[0].source == ConsentSource::visitor);
  refresh_consent(c, r, Signals{true, false}, T0 + DAY);  // the next load does not switch it back on
  CHECK_FALSE(allowed(c, Purpose::personalization));
  CHECK_FALSE(should_ask(c, r, T0 + DAY));
}

TEST_CASE("the invitation: offered while personalization is off, not after a recent choice or 'No thanks'") {
  Profile p;
  ConsentRules rules = rules_v("1");
  Consent c = initial_consent(rules, {}, T0);
  CHECK(should_invite(c, rules, -1, "", T0));
  // "No thanks" under this policy holds for reaskAfterDays, also with the clock put back.
  CHECK_FALSE(should_invite(c, rules, T0, "1", T0 + 180 * DAY));
  CHECK_FALSE(should_invite(c, rules, T0 + DAY, "1", T0));
  CHECK(should_invite(c, rules, T0, "1", T0 + 181 * DAY));
  CHECK(should_invite(c, rules, T0, "0", T0 + DAY));  // declined under an older policy
  // A site that does not invite, or is directed at children, never does.
  ConsentRules off = rules;
  off.invite = false;
  CHECK_FALSE(should_invite(c, off, -1, "", T0));
  ConsentRules kids = rules;
  kids.directed_at_children = true;
  CHECK_FALSE(should_invite(c, kids, -1, "", T0));
  // The visitor chose (here: turned aggregate on, personalization stays off): not asked again soon.
  REQUIRE(set(c, p, R"({"purposes":{"aggregate":true}})").ok());
  CHECK_FALSE(should_invite(c, rules, -1, "", T0 + DAY));
  CHECK(should_invite(c, rules, -1, "", T0 + 181 * DAY));
  REQUIRE(set(c, p, R"({"purposes":{"personalization":true}})").ok());
  CHECK_FALSE(should_invite(c, rules, -1, "", T0 + 400 * DAY));  // already on
}

TEST_CASE("invitation.enabled: false is read into the consent rules") {
  Diagnostics diag;
  CHECK(parse_consent_rules(json::parse(R"({"policyVersion": "1"})"), diag).invite);
  CHECK_FALSE(parse_consent_rules(json::parse(R"({"policyVersion": "1", "invitation": {"enabled": false}})"), diag).invite);
}
