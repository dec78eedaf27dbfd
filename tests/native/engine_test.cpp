// The engine as the page drives it: one call per operation, JSON in and out.
// These are the privacy rules seen from the page's side of the boundary.
#include <doctest/doctest.h>

#include "canonical.hpp"

#include <fstream>
#include <sstream>

#include "tactful/base64.hpp"
#include "tactful/config.hpp"
#include "tactful/engine.hpp"
#include "tactful/json.hpp"
#include "tactful/snapshot.hpp"

#include <sodium.h>

using tactful::Engine;
using tactful::json;

namespace {

const int64_t kNow = 1795000000000;  // 2026-11-19
const char* kKey = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

std::string demo_config() {
  std::ifstream f(std::string(TACTFUL_SOURCE_DIR) + "/demo-site/tactful.config.json");
  std::stringstream ss;
  ss << f.rdbuf();
  json config = json::parse(ss.str());
  config["reporting"]["publicKey"] = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
  config["reporting"]["sendDelayMs"] = {{"min", 0}, {"max", 0}};
  return config.dump();
}

// Every reply is canonical JSON (keys in byte order, numbers as JavaScript
// writes them): replies are written directly, not dumped from a json value,
// and must keep the bytes a dump would give.
json call(Engine& e, const std::string& op, const json& in = json::object(), int64_t now = kNow, bool gesture = false) {
  return parse_canonical(e.call(op, in.dump(), now, gesture));
}

struct Visitor {
  Engine engine;
  explicit Visitor(json signals = json::object()) {
    REQUIRE(json::parse(engine.call("init", demo_config(), kNow, false)).value("ok", false));
    json load = call(engine, "load", {{"key", kKey}, {"signals", signals}});
    REQUIRE(load.value("ok", false));
  }
  json operator()(const std::string& op, const json& in = json::object(), bool gesture = false, int64_t now = kNow) {
    return call(engine, op, in, now, gesture);
  }
};

const json kHome = {{"path", "/"}, {"slots", {"hero", "picks", "banner"}},
                    {"templates", {{"hero-trail-running", "<h2>Trail</h2>"}, {"hero-hiking", "<h2>Hike</h2>"}}}};
const json kTrailView = json::array({{{"type", "view"}, {"interests", {"trail-running"}}}});

std::string hero_variant(const json& decision) {
  for (const auto& s : decision["slots"]) {
    if (s["id"] == "hero") return s["variant"].is_string() ? s["variant"].get<std::string>() : "";
  }
  return "?";
}

}  // namespace

TEST_CASE("nothing is decided from a profile until the visitor opts in") {
  Visitor v;
  v("track", kTrailView);
  v("track", kTrailView);
  CHECK(hero_variant(v("decide", kHome)).empty());
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  CHECK(hero_variant(v("decide", kHome)).empty());  // the earlier views were never stored
  v("track", kTrailView);
  v("track", kTrailView);
  CHECK(hero_variant(v("decide", kHome)) == "trail-running");
}

TEST_CASE("a grant outside a user gesture is refused; a withdrawal always applies") {
  Visitor v;
  json refused = v("consent.set", {{"purposes", {{"personalization", true}}}}, false);
  CHECK(refused.value("error", "").find("gesture") != std::string::npos);
  CHECK(v("consent.get")["purposes"]["personalization"] == false);
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  json withdrawn = v("consent.set", {{"purposes", {{"personalization", false}}}}, false);
  CHECK(withdrawn["purposes"]["personalization"] == false);

  // A change that withdraws and grants without a gesture: the withdrawal
  // applies, the grant is the error, and the reply carries the state in force.
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  json mixed = v("consent.set", {{"purposes", {{"personalization", false}, {"aggregate", true}}}}, false);
  CHECK(mixed.value("error", "").find("withdrawals in this change were applied (-personalization)") != std::string::npos);
  CHECK(mixed["consent"]["purposes"]["personalization"] == false);
  CHECK(mixed["consent"]["purposes"]["aggregate"] == false);
  CHECK(v("consent.get")["purposes"]["personalization"] == false);
  // The visitor's changes (with a gesture) and a script's (without) are told apart.
  json receipts = v("consent.receipts");
  REQUIRE(receipts.size() >= 2);
  CHECK(receipts[receipts.size() - 1]["source"] == "site");
  CHECK(receipts[receipts.size() - 2]["source"] == "visitor");
}

TEST_CASE("no report is built while aggregate is off, even when flushed") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("decide", kHome);
  json out = v("report", {{"force", true}});
  CHECK(out["report"].is_null());
  CHECK(out.value("reason", "") == "aggregate is off");
  CHECK(out["epsilonBudget"].get<double>() > 0);  // the site's budget, whether or not anything is spent
  CHECK(out["epsilonSpent"].get<double>() == 0);
}

TEST_CASE("with aggregate on, flush builds one fixed-size report per window") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("decide", kHome);
  json first = v("report", {{"force", true}});
  REQUIRE(first["report"].is_string());
  json again = v("report", {{"force", true}});
  CHECK(again["report"].is_null());  // the window's one report was already built
  CHECK(again.value("reason", "") == "this window already has its report (one per window)");
  CHECK(first["epsilonSpent"].get<double>() > 0);
  CHECK(first["epsilonSpent"].get<double>() <= first["epsilonBudget"].get<double>());

  Visitor other;
  other("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  for (int i = 0; i < 5; ++i) other("decide", kHome);
  other("track", {{{"type", "conversion"}}});
  json busy = other("report", {{"force", true}});
  REQUIRE(busy["report"].is_string());
  CHECK(busy["report"].get<std::string>().size() == first["report"].get<std::string>().size());
}

TEST_CASE("a report is kept until a page says it is done: held by one page at a time, taken up after a page left") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("decide", kHome);
  json first = v("report", {{"force", true}, {"holdMs", 30000}});
  REQUIRE(first["report"].is_string());
  const std::string report = first["report"].get<std::string>();
  // Another page (or tab) asking while the first holds it gets nothing to send.
  CHECK(v("report", json::object(), false, kNow + 10000)["report"].is_null());
  // The sending page keeps its hold while it retries.
  CHECK(v("report.hold", {{"report", report}, {"ms", 60000}}, false, kNow + 20000)["held"] == true);
  CHECK(v("report", json::object(), false, kNow + 50000)["report"].is_null());
  // The page left without saying: once its hold ends, the next page sends the same report.
  json later = v("report", json::object(), false, kNow + 81000);
  CHECK(later["report"] == report);
  CHECK(v("report.done", {{"report", "not this one"}}, false, kNow + 82000)["done"] == false);
  CHECK(v("report.done", {{"report", report}}, false, kNow + 82000)["done"] == true);
  CHECK(v("report", json::object(), false, kNow + 200000)["report"].is_null());

  // Past its deadline, a report nobody delivered is dropped, not sent late.
  Visitor w;
  w("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  w("decide", kHome);
  json sent = w("report", {{"force", true}});
  REQUIRE(sent["report"].is_string());
  int64_t deadline = sent["deadline"].get<int64_t>();
  CHECK(w("report", json::object(), false, deadline + 1)["report"].is_null());
}

TEST_CASE("explain says so when the page kept its own content because the decision came late") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  REQUIRE(hero_variant(v("decide", kHome)) == "trail-running");
  json late = v("explain", {{"slot", "hero"}, {"late", true}, {"lang", "es"}});
  CHECK(late["variant"].is_null());
  CHECK(late["reason"] == "late");
  CHECK(late["sentence"] == late["sentences"]["es"]);
  CHECK(late["used"].empty());
  CHECK(v("explain", {{"slot", "hero"}})["variant"] == "trail-running");
  CHECK(v("shown", {{"slots", json::array({{{"id", "hero"}, {"variant", "trail-running"}}})}})["counted"] == 1);
  CHECK(v("shown", {{"slots", 3}}).contains("error"));
}

TEST_CASE("opting in never sends the past: a withdrawal discards the window") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("decide", kHome);
  v("consent.set", {{"purposes", {{"aggregate", false}}}});
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  json out = v("report", {{"force", true}});
  REQUIRE(out["report"].is_string());  // a report of the new window only
  // A window closes by itself: a day later the next report is due without flush.
  json later = v("report", json::object(), false, kNow + 2 * 86400000LL);
  CHECK(later["report"].is_null());  // the first window was flushed; the new one has just started
}

TEST_CASE("the window's ε stays spent when aggregate is withdrawn and granted again") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("decide", kHome);
  json first = v("report", {{"force", true}});
  REQUIRE(first["report"].is_string());
  // A script inside one click: withdraw, grant, flush, as often as it likes.
  for (int i = 1; i <= 3; ++i) {
    v("consent.set", {{"purposes", {{"aggregate", false}}}}, true, kNow + i * 1000);
    v("consent.set", {{"purposes", {{"aggregate", true}}}}, true, kNow + i * 1000);
    v("decide", kHome, false, kNow + i * 1000);
    json again = v("report", {{"force", true}}, false, kNow + i * 1000);
    CHECK(again["report"].is_null());
    CHECK(again["epsilonSpent"] == first["epsilonSpent"]);
    CHECK(again["windowEndsAt"] == first["windowEndsAt"]);
  }
  // While it is off, the spent window holds nothing it saw; a report is due again once it ends.
  v("consent.set", {{"purposes", {{"aggregate", false}}}}, true, kNow + 5000);
  json off = v("report", {{"force", true}}, false, kNow + 6000);
  CHECK(off["epsilonSpent"] == 0);
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true, kNow + 86400000LL);
  CHECK(v("report", {{"force", true}}, false, kNow + 86400000LL)["report"].is_string());
}

TEST_CASE("a metric that needs a category the visitor did not allow reports (no data)") {
  // One metric, "converted" among buyers only (it needs purchases), at ε = 10:
  // a report keeps its value with probability 0.9999, so 20 reports tell.
  tactful::PublicKey pk;
  tactful::SecretKey sk;
  crypto_box_keypair(pk.data(), sk.data());
  json config = json::parse(demo_config());
  config["reporting"]["publicKey"] = tactful::base64_encode(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size()));
  config["reporting"]["epsilonBudget"] = 10;
  config["metrics"] = json::array({{{"id", "buyers-converted"}, {"kind", "converted"}, {"epsilon", 10},
                                    {"categories", {"purchases"}}}});
  tactful::Diagnostics diag;
  auto loaded = tactful::load_config(config.dump(), diag);
  REQUIRE(loaded.ok());
  const tactful::ReportRules& rules = loaded->reporting;
  const tactful::MetricRule& metric = rules.metrics.at(0);
  REQUIRE(metric.labels.back() == "(no data)");
  int no_data = 0;
  for (int i = 0; i < 20; ++i) {
    Engine e;
    REQUIRE(json::parse(e.call("init", config.dump(), kNow, false)).value("ok", false));
    REQUIRE(call(e, "load", {{"key", kKey}}).value("ok", false));
    // Personalization and aggregate on; purchases stays off.
    call(e, "consent.set", {{"purposes", {{"personalization", true}, {"aggregate", true}}}}, kNow, true);
    call(e, "track", json::array({{{"type", "conversion"}}}));
    json out = call(e, "report", {{"force", true}});
    REQUIRE(out["report"].is_string());
    auto bytes = tactful::base64_decode(out["report"].get<std::string>());
    REQUIRE(bytes);
    auto opened = tactful::open_report(rules, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), sk);
    REQUIRE(opened.ok());
    const uint8_t* value = opened->metric(metric);
    no_data += (value[0] | (value[1] << 8)) == metric.labels.size() - 1;
  }
  CHECK(no_data >= 15);
}

TEST_CASE("GPC keeps aggregate off until the visitor turns it on") {
  Visitor v(json{{"gpc", true}});
  json c = v("consent.get");
  CHECK(c["signals"]["gpc"] == true);
  CHECK(c["purposes"]["aggregate"] == false);
  json on = v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  CHECK(on["purposes"]["aggregate"] == true);
}

TEST_CASE("a damaged profile record resets the profile and keeps consent") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  json saved = v("save");
  REQUIRE(saved["profile"].is_string());
  std::string profile = saved["profile"].get<std::string>();
  profile[profile.size() / 2] = profile[profile.size() / 2] == 'A' ? 'B' : 'A';

  Engine next;
  next.call("init", demo_config(), kNow, false);
  json load = call(next, "load", {{"key", kKey}, {"consent", saved["consent"]}, {"profile", profile}});
  CHECK(load.value("profileReset", "").find("integrity") != std::string::npos);
  CHECK_FALSE(load.contains("consentReset"));
  CHECK(call(next, "consent.get")["purposes"]["personalization"] == true);
  CHECK(call(next, "profile.view")["interests"].empty());
}

TEST_CASE("a record copied over the other is reset saying so, in words a site developer understands") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  json saved = v("save");
  REQUIRE(saved["profile"].is_string());
  REQUIRE(saved["consent"].is_string());

  Engine next;
  next.call("init", demo_config(), kNow, false);
  json swapped = call(next, "load", {{"key", kKey}, {"consent", saved["profile"]}, {"profile", saved["consent"]}});
  CHECK(swapped["ok"] == true);
  CHECK(swapped["consentReset"] == "consent record: holds a profile record, not a consent record");
  CHECK(swapped["profileReset"] == "profile record: holds a consent record, not a profile record");
  CHECK(call(next, "consent.get")["purposes"]["personalization"] == false);

  // A consent record that is neither still names its first bad field.
  auto key = tactful::base64_decode(kKey);
  auto bytes = tactful::base64_decode(saved["consent"].get<std::string>());
  REQUIRE(bytes);
  const auto* k = reinterpret_cast<const uint8_t*>(key->data());
  auto opened = tactful::open_snapshot(*bytes, k);
  REQUIRE(opened.ok());
  opened->erase("policyVersion");
  std::string resealed = tactful::seal_snapshot(opened->dump(), k);
  json damaged = call(next, "load", {{"key", kKey}, {"consent", tactful::base64_encode(resealed)}});
  CHECK(damaged["consentReset"] == "consent record: policyVersion: must be a string");
}

// The profile record as saved, opened with the visitor's key: everything the browser keeps of it.
std::string stored_profile(Visitor& v) {
  json saved = v("save");
  REQUIRE(saved["profile"].is_string());
  auto bytes = tactful::base64_decode(saved["profile"].get<std::string>());
  auto key = tactful::base64_decode(kKey);
  REQUIRE(bytes);
  auto opened = tactful::open_snapshot(*bytes, reinterpret_cast<const uint8_t*>(key->data()));
  REQUIRE(opened.ok());
  return opened->dump();
}

const json kVisitAndConversion = json::array({{{"type", "visit"}}, {{"type", "conversion"}}});

// The stored reporting window holds none of the page views or the conversion tracked before.
bool window_holds_nothing(Visitor& v) {
  json window = json::parse(stored_profile(v))["window"];
  return window["pageViews"] == 0 && window["converted"] == false;
}

TEST_CASE("opting in never sends the past: nothing is accumulated while aggregate is off") {
  Visitor v;
  v("track", kVisitAndConversion);
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  CHECK(window_holds_nothing(v));
}

TEST_CASE("withdrawing aggregate discards what the window held, at once") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("track", kVisitAndConversion);
  REQUIRE(json::parse(stored_profile(v))["window"]["pageViews"] == 1);
  v("consent.set", {{"purposes", {{"aggregate", false}}}});
  CHECK(window_holds_nothing(v));
}

TEST_CASE("after forget, aggregate granted again starts from an empty window") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  v("track", kVisitAndConversion);
  v("profile.forget");
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  CHECK(window_holds_nothing(v));
}

TEST_CASE("pages per visit counts page loads, not view events") {
  Visitor v;
  v("consent.set", {{"purposes", {{"aggregate", true}}}}, true);
  // Four page loads, one of them with interests in its meta tag (a view)...
  v("track", json::array({{{"type", "visit"}}}));
  v("track", json::array({{{"type", "visit"}}, {{"type", "view"}, {"interests", {"hiking"}}, {"source", "page"}}}));
  v("track", json::array({{{"type", "visit"}}}));
  v("track", json::array({{{"type", "visit"}}}));
  // ...and a page script tracking views on the last one: none is a page.
  for (int i = 0; i < 5; ++i) v("track", kTrailView);
  json window = json::parse(stored_profile(v))["window"];
  CHECK(window["pageViews"] == 4);
  CHECK(window["visits"] == 1);
}

TEST_CASE("turning interests off leaves no trace of them, not even which variant they chose") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  // The demo's "picks" variants are capped: showing one records it.
  json home = {{"path", "/"}, {"slots", {"picks"}}, {"templates", {{"picks-trail-running", "<p>Trail</p>"}}}};
  v("decide", home);
  REQUIRE(stored_profile(v).find("trail-running") != std::string::npos);
  v("consent.set", {{"categories", {{"interests", false}}}});
  CHECK(stored_profile(v).find("trail-running") == std::string::npos);
}

TEST_CASE("a profile record sealed before a category was turned off is written again without it when loaded") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}, {"categories", {{"location", true}}}}, true);
  REQUIRE_FALSE(v("profile.declare", {{"location", {{"country", "ES"}}}}).contains("error"));
  json before = v("save");
  REQUIRE(before["profile"].is_string());
  v("consent.set", {{"categories", {{"location", false}}}});
  json consent_now = v("save")["consent"];
  REQUIRE(consent_now.is_string());

  // The older record (a copy kept for "Don't remember this visit") under the consent now stored.
  Engine next;
  next.call("init", demo_config(), kNow, false);
  REQUIRE(call(next, "load", {{"key", kKey}, {"consent", consent_now}, {"profile", before["profile"]}})["ok"] == true);
  json saved = call(next, "save");
  REQUIRE(saved["profile"].is_string());
  auto bytes = tactful::base64_decode(saved["profile"].get<std::string>());
  auto key = tactful::base64_decode(kKey);
  auto opened = tactful::open_snapshot(*bytes, reinterpret_cast<const uint8_t*>(key->data()));
  REQUIRE(opened.ok());
  CHECK(opened->dump().find("ES") == std::string::npos);
  // A record that holds nothing consent took away is not written again.
  CHECK_FALSE(call(next, "save").contains("profile"));
}

TEST_CASE("forget returns the visitor to the defaults") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("profile.forget");
  CHECK(v("consent.get")["purposes"]["personalization"] == false);
  CHECK(v("profile.view")["interests"].empty());
  json exported = v("profile.export");
  CHECK(exported["format"] == "tactful-export");
}

TEST_CASE("the export says when it was made as an ISO 8601 UTC time, like every time in it") {
  Visitor v;
  CHECK(v("profile.export")["exportedAt"] == "2026-11-18T11:06:40Z");
}

TEST_CASE("the export holds the visitor's \"No thanks\" the page keeps, with its time and policy version") {
  Visitor v;
  CHECK(v("profile.export")["invitation"] == json::parse(R"({"noThanks": null})"));
  json exported = v("profile.export", {{"dismissedAt", 1763463000000}, {"dismissedPolicyVersion", "2026-11-01"}});
  CHECK(exported["invitation"] == json::parse(R"({"noThanks": {"at": "2025-11-18T10:50:00Z", "policyVersion": "2026-11-01"}})"));
}

// Decisions keep something: the capped "picks" variant shown once, and a "not now" for "hero".
void show_picks_and_not_now_hero(Visitor& v) {
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  json home = {{"path", "/"}, {"slots", {"hero", "picks"}}, {"templates", {{"picks-trail-running", "<p>Trail</p>"}}}};
  v("decide", home);
  v("notNow", {{"slot", "hero"}});
}

TEST_CASE("the export holds what decisions keep: what was shown, each not now and the bucketing id") {
  Visitor v;
  show_picks_and_not_now_hero(v);
  json decisions = v("profile.export")["decisions"];
  CHECK(decisions["bucketId"].get<std::string>().size() == 32);
  REQUIRE(decisions["notNow"].size() == 1);
  CHECK(decisions["notNow"][0]["slot"] == "hero");
  CHECK(decisions["notNow"][0]["at"] == "2026-11-18T11:06:40Z");
  CHECK(decisions["notNow"][0]["expires"] == "2026-12-18T11:06:40Z");
  CHECK(decisions["notNow"][0]["id"] == "not-now:hero");
  REQUIRE(decisions["shown"].size() == 1);
  CHECK(decisions["shown"][0]["slot"] == "picks");
  CHECK(decisions["shown"][0]["variant"] == "trail-running");
  CHECK(decisions["shown"][0]["day"] == "2026-11-18");
  CHECK(decisions["shown"][0]["count"] == 1);
}

TEST_CASE("forget erases what decisions keep: what was shown, each not now, and the bucketing id") {
  Visitor v;
  show_picks_and_not_now_hero(v);
  json before = v("profile.export")["decisions"];
  REQUIRE(before["shown"].size() == 1);
  REQUIRE(before["notNow"].size() == 1);
  v("profile.forget");
  json after = v("profile.export")["decisions"];
  CHECK(after["shown"].empty());
  CHECK(after["notNow"].empty());
  // A new visitor to experiments and the holdout, at once: a fresh id, not none.
  CHECK(after["bucketId"].get<std::string>().size() == 32);
  CHECK(after["bucketId"] != before["bucketId"]);
}

TEST_CASE("the birthday month is the visitor's own month, from the page's time zone") {
  const int64_t feb28_19utc = 1803841200000;  // 2027-02-28T19:00Z: already 1 March at UTC+14
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}, {"categories", {{"occasions", true}}}}, true, feb28_19utc);
  v("profile.declare", {{"occasions", {{"birthdayMonth", 3}}}}, false, feb28_19utc);
  json page = kHome;
  page["templates"]["banner-birthday"] = "<p>Happy birthday month</p>";
  auto banner = [&](const json& decision) {
    for (const auto& s : decision["slots"])
      if (s["id"] == "banner") return s["variant"].is_string() ? s["variant"].get<std::string>() : std::string();
    return std::string("?");
  };
  CHECK(banner(v("decide", page, false, feb28_19utc)).empty());  // no time zone given: UTC, still February
  page["tzOffsetMinutes"] = 14 * 60;                              // Kiritimati
  CHECK(banner(v("decide", page, false, feb28_19utc)) == "birthday");
  page["tzOffsetMinutes"] = 15 * 60;  // not a time zone: UTC
  CHECK(banner(v("decide", page, false, feb28_19utc)).empty());
}

TEST_CASE("a not now is removed by its id like any stored item, and the slot is personalized again") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  REQUIRE(hero_variant(v("decide", kHome)) == "trail-running");
  v("notNow", {{"slot", "hero"}});
  CHECK(hero_variant(v("decide", kHome)).empty());
  CHECK(v("profile.remove", {{"id", "not-now:hero"}})["removed"] == "not-now:hero");
  CHECK(v("profile.export")["decisions"]["notNow"].empty());
  CHECK(hero_variant(v("decide", kHome)) == "trail-running");
  CHECK(v("profile.remove", {{"id", "not-now:hero"}})["error"].is_string());
}

TEST_CASE("explain names the stored items behind a decision") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  REQUIRE(hero_variant(v("decide", kHome)) == "trail-running");
  json why = v("explain", {{"slot", "hero"}});
  CHECK(why["variant"] == "trail-running");
  bool found = false;
  for (const auto& u : why["used"]) {
    for (const auto& item : u["items"]) found = found || item["id"] == "interest:trail-running";
  }
  CHECK(found);
}

TEST_CASE("bad input gets a specific error and changes nothing") {
  Visitor v;
  CHECK(v("track", {{{"type", "teleport"}}})["errors"][0]["error"].get<std::string>().find("unknown event type") !=
        std::string::npos);
  CHECK(json::parse(v.engine.call("decide", "{not json", kNow, false)).contains("error"));
  CHECK(v("profile.remove", {{"id", "nope"}}).contains("error"));
  // A view must name interest ids; one naming only ids the site never declared says so.
  auto view_error = [&](const json& event) {
    json out = v("track", json::array({event}));
    return out["errors"].empty() ? std::string() : out["errors"][0]["error"].get<std::string>();
  };
  CHECK(view_error({{"type", "view"}}).find("a view needs a list of interest ids") != std::string::npos);
  CHECK(view_error({{"type", "view"}, {"interests", "hiking"}}).find("a view needs a list") != std::string::npos);
  CHECK(view_error({{"type", "view"}, {"interests", {"hiking", 5}}}) == "interests[1]: must be an interest id (a string)");
  CHECK(view_error({{"type", "view"}, {"interests", {"no-such"}}}).find("'no-such' is not in the config's taxonomy") !=
        std::string::npos);
  CHECK(view_error({{"type", "view"}, {"interests", {"no-such", "trail-running"}}}).empty());
  // A page's markup can name anything: the error quotes a megabyte id clipped, not whole.
  CHECK(view_error({{"type", "view"}, {"interests", {std::string(1000000, 'h')}}}) ==
        "interests: '" + std::string(61, 'h') + "...' is not in the config's taxonomy");
  // A purchase category the profile could never hold is said, not dropped unseen.
  CHECK(view_error({{"type", "purchase"}, {"category", "Running shoes"}}) ==
        "category: 'Running shoes' is not a category id (1-64 of a-z, 0-9, '-' and '_', e.g. \"trail-shoes\")");
  CHECK(view_error({{"type", "purchase"}, {"category", std::string(65, 'a')}}).find("is not a category id") !=
        std::string::npos);
  CHECK(view_error({{"type", "purchase"}, {"category", "trail-shoes"}}).empty());
  CHECK(v("no.such.op").value("error", "").find("unknown operation") != std::string::npos);
  Engine fresh;
  CHECK(json::parse(fresh.call("decide", "{}", kNow, false)).value("error", "").find("init") !=
        std::string::npos);
}

TEST_CASE("\"not now\" is refused for a slot that is not on the page or has no variants, and nothing is stored for it") {
  Visitor v;
  REQUIRE(v("consent.set", {{"purposes", {{"personalization", true}}}}, true).contains("purposes"));
  json page = kHome;
  page["slots"].push_back("footer-note");  // marked up on the page, absent from the config
  v("page", page);
  v("save");
  json unconfigured = v("notNow", {{"slot", "footer-note"}});
  CHECK(unconfigured["error"] == "slot 'footer-note' has no variants in the config: it always shows its default");
  CHECK(unconfigured["path"] == "slot");
  json refused = v("notNow", {{"slot", "sidebar"}});
  CHECK(refused["error"] == "slot 'sidebar' is not on this page");
  CHECK(refused["path"] == "slot");
  // A made-up id of any length is quoted short, and never reaches the record.
  json long_id = v("notNow", {{"slot", std::string(100000, 'x')}});
  CHECK(long_id["error"] == "slot '" + std::string(61, 'x') + "...' is not on this page");
  CHECK_FALSE(v("save").contains("profile"));
  CHECK(v("notNow", {{"slot", "hero"}})["ok"] == true);
  CHECK(v("save")["profile"].is_string());
}

TEST_CASE("items past their retention are purged while the page stays open") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}}}}, true);
  v("track", kTrailView);
  REQUIRE_FALSE(v("profile.view")["interests"].empty());
  int64_t later = kNow + 181LL * 86400000;  // the demo keeps interests 180 days
  json out = v("purge", json::object(), false, later);
  CHECK(out["purged"].get<int>() >= 1);
  CHECK(v("profile.view", json::object(), false, later)["interests"].empty());
}

TEST_CASE("init warns of a key the config repeats, as lint does") {
  // The browser prints each of init's warnings on the console.
  std::string config = demo_config();
  config.insert(1, R"("deadlineMs":5000,)");
  Engine engine;
  json out = parse_canonical(engine.call("init", config, kNow, false));
  INFO(out.dump());
  CHECK(out["ok"] == true);
  CHECK(out["warnings"] == json::array({"the key \"deadlineMs\" appears more than once; the last one is used"}));
}

TEST_CASE("only the page templates a variant names are checked: the page's other templates are its own") {
  // A site's own <template>s (a cart row with {{price}}, a framework's
  // markup) are never shown by Tactful, so they are no problem of its.
  Visitor v;
  json page = {{"slots", {"hero", "banner"}},
               {"templates", {{"cart-row", "<td>{{price}}</td><td><input value=\"{{qty}}\"></td>"},
                              {"banner-returning", "<p>You spent {{amount}}</p>"}}}};
  json set = v("page", page);
  REQUIRE(set["templateErrors"].size() == 1);
  CHECK(set["templateErrors"][0].get<std::string>().rfind("template#banner-returning: ", 0) == 0);
  json later = v("slots", {{"slots", json::array()}, {"templates", {{"search-hint", "<p>{{query}}</p>"}}}});
  CHECK_FALSE(later.contains("templateErrors"));
}

TEST_CASE("every operation replies in canonical JSON, errors and optional members included") {
  // `call` checks each reply against the dump of its own parse.
  Engine fresh;
  json rejected = call(fresh, "init", {{"version", 2}, {"slot", 1}});
  CHECK(rejected["errors"].size() == 2);
  CHECK(rejected["path"] == "slot");
  json eval = call(fresh, "eval", {{"condition", {{"a", {{"$regx", "b"}}}}}, {"attributes", json::object()}});
  CHECK(eval["result"] == false);
  CHECK(eval["problems"].size() == 1);
  CHECK(call(fresh, "hash", {{"seed", "s"}, {"value", "v"}, {"version", 2}})["result"].is_number());
  CHECK(call(fresh, "hash", {{"seed", "s"}, {"value", "v"}, {"version", 9}})["result"].is_null());

  Visitor v;
  json page = {{"slots", {"hero", "nope"}}, {"templates", {{"banner-returning", "<a href=\"{{interest}}\">x</a>"}}}};
  json set = v("page", page);
  CHECK(set["slots"] == json::array({0, -1}));
  CHECK(set["templateErrors"].size() == 1);
  CHECK(v("decide", page)["templateErrors"].size() == 1);
  json tracked = v("track", json::array({{{"type", "visit"}}, 7, {{"type", "purchase"}}}));
  CHECK(tracked["stored"] == 1);
  CHECK(tracked["dropped"] == 2);
  CHECK(tracked["errors"][1]["index"] == 2);
  CHECK(v("compact")["items"].is_number());
  CHECK(v("notNow", {{"slot", "hero"}})["ok"] == true);
  CHECK(v("visit.ephemeral", {{"on", false}})["ephemeral"] == false);
  CHECK(v("consent.receipts").is_array());
  json reset = call(v.engine, "load", {{"key", kKey}, {"consent", "!"}, {"profile", "AAAA"}});
  CHECK(reset["consentReset"] == "consent record: not base64");
  CHECK(reset["profileReset"].is_string());
  CHECK(reset["ok"] == true);
  CHECK(v("save").is_object());
}

TEST_CASE("the same content decided again on a page writes nothing back, so open tabs never answer each other's writes") {
  Visitor v;
  v("consent.set", {{"purposes", {{"personalization", true}, {"aggregate", true}}}}, true);
  v("track", kTrailView);
  v("track", kTrailView);
  v("page", kHome);
  auto showing = [&](bool fresh) {
    REQUIRE(v.engine.decide_binary(kNow) != nullptr);
    json slots = json::array();
    for (const char* id : {"hero", "picks", "banner"}) slots.push_back({{"id", id}, {"variant", ""}, {"fresh", fresh}});
    slots[0]["variant"] = "trail-running";
    v("shown", {{"slots", slots}});
  };
  showing(true);
  CHECK(v("save").contains("profile"));  // the first showing is news
  // Another tab wrote; this one loads its records and decides the same again.
  showing(false);
  CHECK_FALSE(v("save").contains("profile"));
  showing(false);
  CHECK_FALSE(v("save").contains("profile"));
}

TEST_CASE("a page whose path is longer than 2048 characters keeps its defaults, with the reason") {
  Visitor v;
  json page = kHome;
  page["path"] = "/" + std::string(2047, 'a');
  CHECK_FALSE(v("page", page).contains("error"));  // 2048: conditions read it
  page["path"] = "/" + std::string(2048, 'a');
  json refused = v("page", page);
  CHECK(refused["path"] == "path");
  CHECK(refused["error"] == "the page's path is longer than 2048 characters, the most conditions read");
  CHECK(v("decide", page) == refused);  // the operation that decides and shows at once
}
