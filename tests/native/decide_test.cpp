// The decision rules, in sentences: what each slot of a page shows, and why.
#include <doctest/doctest.h>

#include "canonical.hpp"

#include <algorithm>
#include <tuple>

#include "tactful/decide.hpp"

using namespace tactful;

namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = 1760000000000;  // a fixed clock

struct Loaded {
  Taxonomy taxonomy;
  DecideRules rules;
  Diagnostics diag;
};

Loaded load(const char* text) {
  Loaded l;
  auto root = parse_json(text);
  REQUIRE(root.ok());
  l.taxonomy = parse_taxonomy(*root, l.diag);
  l.rules = parse_decide_rules(*root, l.taxonomy, l.diag);
  for (const auto& e : l.diag.errors) MESSAGE(e.to_string());
  REQUIRE(l.diag.ok());
  return l;
}

const char* const kStore = R"({
  "taxonomy": [{"id": "trail-running", "label": {"en": "Trail running", "es": "Trail running"}},
               {"id": "yoga", "label": {"en": "Yoga", "es": "Yoga"}}],
  "page": {"maxPersonalizedSlots": 2},
  "slots": [
    {"id": "hero", "variants": [
      {"id": "trail", "condition": {"interests.trail-running": {"$gte": 0.5}},
       "content": {"title": "Ready for the mountains?", "text": "Because you like {{interest}}"}},
      {"id": "returning", "condition": {"visits.count": {"$gte": 3}}, "content": {"title": "Welcome back"}}]},
    {"id": "banner", "variants": [
      {"id": "yoga", "condition": {"interests.yoga": {"$gt": 0}}, "template": "yoga-banner",
       "caps": {"perDay": 2, "perWeek": 3}}]},
    {"id": "footer", "variants": [{"id": "all", "content": {"text": "Free returns"}}]}
  ]})";

json attrs(double trail, double yoga, int visits) {
  json a = {{"interests", json::object()}, {"visits", {{"count", visits}, {"daysSinceFirst", 2}}},
            {"page", {{"path", "/"}, {"interests", json::array()}}}, {"viewport", "large"}};
  if (trail > 0) a["interests"]["trail-running"] = trail;
  if (yoga > 0) a["interests"]["yoga"] = yoga;
  return a;
}

const json& slot_of(const json& decision, const std::string& id) {
  for (const auto& s : decision["slots"]) {
    if (s["id"] == id) return s;
  }
  static const json none;
  FAIL("no decision for slot " << id);
  return none;
}

const std::vector<std::string> kAll = {"hero", "banner", "footer"};
const std::vector<std::string> kTemplates = {"yoga-banner"};

}  // namespace

TEST_CASE("the first variant whose condition matches is shown, in config order") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0.8, 0, 5), {"hero"}, {}, true, kNow);
  CHECK(slot_of(d, "hero")["variant"] == "trail");
  CHECK(slot_of(d, "hero")["content"]["title"] == "Ready for the mountains?");
  d = decide_page(l.rules, state, attrs(0, 0, 5), {"hero"}, {}, true, kNow);
  CHECK(slot_of(d, "hero")["variant"] == "returning");
  d = decide_page(l.rules, state, attrs(0, 0, 1), {"hero"}, {}, true, kNow);
  CHECK(slot_of(d, "hero")["variant"].is_null());
  CHECK(slot_of(d, "hero")["reason"] == "no-match");
}

TEST_CASE("placeholders are filled with the label of the interest behind the rule, as text") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0.8, 0, 0), {"hero"}, {}, true, kNow);
  CHECK(slot_of(d, "hero")["fill"]["interest"] == "Trail running");
  CHECK(slot_of(d, "hero")["content"]["text"] == "Because you like {{interest}}");  // the page fills it as text
}

TEST_CASE("all slots of a page are decided in one call, each once, in the page's order") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0.8, 0.4, 0), {"footer", "hero", "hero", "nope"}, kTemplates, true, kNow);
  REQUIRE(d["slots"].size() == 3);
  CHECK(d["slots"][0]["id"] == "footer");
  CHECK(d["slots"][1]["id"] == "hero");
  CHECK(d["slots"][2]["id"] == "nope");
  CHECK(d["slots"][2]["variant"].is_null());
  CHECK(d["slots"][2]["reason"] == "unknown-slot");
  CHECK(d["holdout"] == false);
}

TEST_CASE("without personalization consent every slot shows its default") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0.8, 0.8, 9), kAll, kTemplates, false, kNow);
  for (const auto& s : d["slots"]) {
    CHECK(s["variant"].is_null());
    CHECK(s["reason"] == "consent");
    CHECK_FALSE(s.contains("content"));
  }
  CHECK(state.impressions.empty());
}

TEST_CASE("the page budget limits personalized slots, by slot priority") {
  auto l = load(kStore);  // budget 2
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0.8, 0.8, 0), {"footer", "banner", "hero"}, kTemplates, true, kNow);
  CHECK(slot_of(d, "hero")["variant"] == "trail");
  CHECK(slot_of(d, "banner")["variant"] == "yoga");
  CHECK(slot_of(d, "footer")["variant"].is_null());
  CHECK(slot_of(d, "footer")["reason"] == "budget");
}

TEST_CASE("slots decided with part of the budget left get only that part, in config order") {
  auto l = load(kStore);  // budget 2
  DecideState state;
  auto none = [](const std::string&) { return 0; };
  // hero and banner (positions 0, 1) both match; one personalized slot is left.
  auto d = decide_slots(l.rules, state, attrs(0.8, 0.8, 0), {1, 0}, none, true, kNow, 1);
  CHECK(d[1].variant == 0);  // hero: first in the config
  CHECK(d[0].variant == -1);
  CHECK(d[0].reason == DecisionReason::budget);
  CHECK(personalized_count(l.rules, d) == 1);
  auto spent = decide_slots(l.rules, state, attrs(0.8, 0.8, 0), {0}, none, true, kNow, 0);
  CHECK(spent[0].reason == DecisionReason::budget);
  CHECK(personalized_count(l.rules, spent) == 0);
}

TEST_CASE("the budget defaults to three personalized slots per page") {
  auto l = load(R"({"slots": [
    {"id": "a", "variants": [{"id": "v", "content": {"text": "a"}}]},
    {"id": "b", "variants": [{"id": "v", "content": {"text": "b"}}]},
    {"id": "c", "variants": [{"id": "v", "content": {"text": "c"}}]},
    {"id": "d", "variants": [{"id": "v", "content": {"text": "d"}}]}]})");
  DecideState state;
  json d = decide_page(l.rules, state, json::object(), {"a", "b", "c", "d"}, {}, true, kNow);
  CHECK(slot_of(d, "c")["variant"] == "v");
  CHECK(slot_of(d, "d")["reason"] == "budget");
}

TEST_CASE("a template variant needs its <template> on the page") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, {}, true, kNow);
  CHECK(slot_of(d, "banner")["variant"].is_null());
  d = decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, kTemplates, true, kNow);
  CHECK(slot_of(d, "banner")["variant"] == "yoga");
  CHECK(slot_of(d, "banner")["template"] == "yoga-banner");
}

TEST_CASE("frequency caps hold per day and per week, and survive a reload") {
  auto l = load(kStore);  // banner/yoga: 2 a day, 3 a week
  DecideState state;
  auto banner = [&](int64_t now) {
    return slot_of(decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, kTemplates, true, now), "banner");
  };
  CHECK(banner(kNow)["variant"] == "yoga");
  state = DecideState::from_json(parse_canonical(state.to_json()));  // a reload
  CHECK(banner(kNow + 1000)["variant"] == "yoga");
  json third = banner(kNow + 2000);
  CHECK(third["variant"].is_null());
  CHECK(third["reason"] == "capped");
  CHECK(banner(kNow + kDay)["variant"] == "yoga");  // a new day
  CHECK(banner(kNow + 2 * kDay)["variant"].is_null());  // but the week holds at 3
  CHECK(banner(kNow + 7 * kDay)["variant"] == "yoga");  // the first day left the week
}

TEST_CASE("caps hold when the visitor's clock is put back: showings dated ahead count as today's") {
  auto l = load(kStore);  // banner/yoga: 2 a day, 3 a week
  DecideState state;
  auto banner = [&](int64_t now) {
    return slot_of(decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, kTemplates, true, now), "banner");
  };
  // Shown twice while the clock ran a day ahead; the visitor then fixes it.
  CHECK(banner(kNow + kDay)["variant"] == "yoga");
  CHECK(banner(kNow + kDay + 1000)["variant"] == "yoga");
  CHECK(banner(kNow)["reason"] == "capped");  // not a fresh day's allowance
  // After a reload the counts are settled into today and leave the week on time.
  auto keep_all = [](const std::string&) { return false; };
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow));
  CHECK(state.impressions["banner"]["yoga"].size() == 1);
  CHECK(state.impressions["banner"]["yoga"][0].day == kNow / kDay);
  CHECK(state.impressions["banner"]["yoga"][0].count == 2);
  CHECK(banner(kNow + kDay)["variant"] == "yoga");  // the third of the week
  CHECK(banner(kNow + 2 * kDay)["reason"] == "capped");
  CHECK(banner(kNow + 7 * kDay)["variant"] == "yoga");
}

TEST_CASE("deciding counts no impression; showing does (a late or repeated decision uses no cap)") {
  auto l = load(R"({"slots": [{"id": "s", "variants": [
    {"id": "first", "content": {"text": "1"}, "caps": {"perDay": 1}},
    {"id": "second", "content": {"text": "2"}}]}]})");
  DecideState state;
  std::vector<std::string> ids = {"s"};
  std::vector<int> positions = page_slot_positions(l.rules, ids);
  auto no_templates = [](const std::string&) { return -1; };
  auto decide = [&] { return decide_slots(l.rules, state, json::object(), positions, no_templates, true, kNow); };
  auto first = decide();
  REQUIRE(first[0].variant == 0);
  CHECK(decide()[0].variant == 0);  // decided again, never shown: still available
  record_shown(l.rules, state, first[0], kNow);
  CHECK(decide()[0].variant == 1);  // shown once today: capped
}

TEST_CASE("a capped variant gives way to the next one that qualifies") {
  auto l = load(R"({"slots": [{"id": "s", "variants": [
    {"id": "first", "content": {"text": "1"}, "caps": {"perDay": 1}},
    {"id": "second", "content": {"text": "2"}}]}]})");
  DecideState state;
  CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow), "s")["variant"] == "first");
  CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow), "s")["variant"] == "second");
}

TEST_CASE("\"not now\" on a slot shows its default for the configured days") {
  auto l = load(R"({"notNowDays": 3, "slots": [{"id": "s", "variants": [{"id": "v", "content": {"text": "x"}}]}]})");
  DecideState state;
  not_now(state, "s", kNow);
  state = DecideState::from_json(parse_canonical(state.to_json()));
  json d = decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow + 2 * kDay);
  CHECK(slot_of(d, "s")["variant"].is_null());
  CHECK(slot_of(d, "s")["reason"] == "not-now");
  d = decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow + 3 * kDay);
  CHECK(slot_of(d, "s")["variant"] == "v");
}

TEST_CASE("holdout visitors get defaults everywhere, decided by their local bucketing id") {
  auto l = load(R"({"holdout": 0.5, "slots": [{"id": "s", "variants": [{"id": "v", "content": {"text": "x"}}]}]})");
  int held = 0;
  for (int i = 0; i < 400; ++i) {
    DecideState state;
    state.bucket_id = "visitor-" + std::to_string(i);
    json d = decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow);
    bool h = d["holdout"].get<bool>();
    held += h;
    CHECK(slot_of(d, "s")["variant"].is_null() == h);
    if (h) CHECK(slot_of(d, "s")["reason"] == "holdout");
    // the same id always lands on the same side
    CHECK(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow)["holdout"].get<bool>() == h);
  }
  CHECK(held > 150);
  CHECK(held < 250);
}

TEST_CASE("experiments bucket with GrowthBook's hash over the qualifying variants' weights") {
  auto l = load(R"({"page": {"maxPersonalizedSlots": 10}, "slots": [{"id": "s", "experiment": {"key": "hero-test"},
    "variants": [{"id": "control", "weight": 0.5}, {"id": "b", "weight": 0.5, "content": {"text": "B"}}]}]})");
  int control = 0;
  for (int i = 0; i < 400; ++i) {
    DecideState state;
    state.bucket_id = "id" + std::to_string(i);
    json s = slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow), "s");
    auto n = growthbook_hash("hero-test", state.bucket_id, 2);
    REQUIRE(n.has_value());
    CHECK(s["variant"] == (*n < 0.5 ? "control" : "b"));
    CHECK(s["reason"] == "experiment");
    if (s["variant"] == "control") {
      ++control;
      CHECK_FALSE(s.contains("content"));  // the control arm keeps the default content
    }
  }
  CHECK(control > 150);
  CHECK(control < 250);
}

TEST_CASE("a hash on the border between two shares lands where GrowthBook puts it") {
  // 0.6 + 0.3 + 0.1 adds up to 0.9999999999999999: scaled by that total, the
  // borders at 0.6 and 0.9 would move and the visitors hashed exactly there
  // would get another variant than GrowthBook's SDK gives them (checked with
  // @growthbook/growthbook 1.8: id2337 -> 1, id3564 -> 2).
  auto l = load(R"({"page": {"maxPersonalizedSlots": 10}, "slots": [{"id": "s",
    "experiment": {"key": "split", "hashVersion": 2}, "variants": [
      {"id": "a", "weight": 0.6, "content": {"text": "A"}}, {"id": "b", "weight": 0.3, "content": {"text": "B"}},
      {"id": "c", "weight": 0.1, "content": {"text": "C"}}]}]})");
  for (auto [id, hash, variant] : {std::tuple{"id2337", 0.6, "b"}, std::tuple{"id3564", 0.9, "c"}}) {
    CAPTURE(id);
    CHECK(growthbook_hash("split", id, 2) == hash);
    DecideState state;
    state.bucket_id = id;
    CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow), "s")["variant"] == variant);
  }
}

TEST_CASE("a hash past every share leaves the visitor out of the experiment, on the first variant, as GrowthBook does") {
  // Weights adding up to 0.995 are taken as they are (within 0.99..1.01), so a
  // hash of 0.995 or more falls in no share: GrowthBook's chooseVariation
  // answers -1 and the visitor sees variation 0 (checked with
  // @growthbook/growthbook 1.8: id280 hashes to 0.9989, id503 to 0.9976).
  auto l = load(R"({"page": {"maxPersonalizedSlots": 10}, "slots": [{"id": "s",
    "experiment": {"key": "split-under", "hashVersion": 2}, "variants": [
      {"id": "a", "weight": 0.5, "content": {"text": "A"}}, {"id": "b", "weight": 0.495, "content": {"text": "B"}}]}]})");
  for (auto [id, hash] : {std::tuple{"id280", 0.9989}, std::tuple{"id503", 0.9976}}) {
    CAPTURE(id);
    CHECK(growthbook_hash("split-under", id, 2) == hash);
    DecideState state;
    state.bucket_id = id;
    CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow), "s")["variant"] == "a");
  }
}

TEST_CASE("a cap record lasts the week the caps count, and goes with the data its rule read") {
  auto l = load(kStore);  // banner/yoga reads interests.yoga
  DecideState state;
  auto keep_all = [](const std::string&) { return false; };
  decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, kTemplates, true, kNow);
  REQUIRE(state.impressions["banner"].count("yoga") == 1);
  CHECK_FALSE(prune_decide_state(state, l.rules, keep_all, kNow + 6 * kDay));
  CHECK(state.impressions["banner"].count("yoga") == 1);
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow + 7 * kDay));  // out of the week: nothing left to count
  CHECK(state.impressions.empty());

  decide_page(l.rules, state, attrs(0, 0.8, 0), {"banner"}, kTemplates, true, kNow);
  CHECK(prune_decide_state(state, l.rules, [](const std::string& path) { return path.rfind("interests.", 0) == 0; }, kNow));
  CHECK(state.impressions.empty());  // "the visitor was shown the yoga banner" is interest data

  state.impressions["gone-slot"]["v"] = {{kNow / kDay, 1}};
  state.impressions["banner"]["retired-variant"] = {{kNow / kDay, 1}};
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow));
  CHECK(state.impressions.empty());
}

TEST_CASE("a \"not now\" is forgotten once its days are over") {
  auto l = load(R"({"notNowDays": 3, "slots": [{"id": "s", "variants": [{"id": "v", "content": {"text": "x"}}]}]})");
  DecideState state;
  not_now(state, "s", kNow);
  auto keep_all = [](const std::string&) { return false; };
  CHECK_FALSE(prune_decide_state(state, l.rules, keep_all, kNow + 3 * kDay - 1));
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow + 3 * kDay));
  CHECK(state.not_now_at.empty());
}

TEST_CASE("a \"not now\" said while the clock ran ahead lasts its days from when the clock was put right") {
  auto l = load(R"({"notNowDays": 3, "slots": [{"id": "s", "variants": [{"id": "v", "content": {"text": "x"}}]}]})");
  DecideState state;
  not_now(state, "s", kNow + 365 * kDay);  // the clock was a year ahead
  auto keep_all = [](const std::string&) { return false; };
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow));
  CHECK(state.not_now_at["s"] == kNow);
  CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow + 2 * kDay), "s")["reason"] == "not-now");
  CHECK(prune_decide_state(state, l.rules, keep_all, kNow + 3 * kDay));
  CHECK(slot_of(decide_page(l.rules, state, json::object(), {"s"}, {}, true, kNow + 3 * kDay), "s")["variant"] == "v");
}

TEST_CASE("the decision state round-trips, and corrupted entries are dropped, not the state") {
  DecideState state;
  state.bucket_id = "abc";
  state.impressions["s"]["v"] = {{20000, 2}};
  state.not_now_at["s"] = kNow;
  DecideState back = DecideState::from_json(parse_canonical(state.to_json()));
  CHECK(back.bucket_id == "abc");
  CHECK(back.impressions["s"]["v"][0].count == 2);
  CHECK(back.not_now_at["s"] == kNow);
  json broken = parse_canonical(state.to_json());
  broken["impressions"]["s"]["w"] = "garbage";
  broken["notNow"]["t"] = "soon";
  back = DecideState::from_json(broken);
  CHECK(back.bucket_id == "abc");
  CHECK(back.impressions["s"].count("w") == 0);
  CHECK(back.not_now_at.count("t") == 0);
  CHECK(DecideState::from_json(json("nonsense")).bucket_id.empty());
}

TEST_CASE("explain names the rule, the attributes it used and a plain sentence") {
  auto l = load(kStore);
  DecideState state;
  json a = attrs(0.8, 0, 0);
  json d = decide_page(l.rules, state, a, kAll, kTemplates, true, kNow);
  json e = explain_slot(l.rules, d, a, "hero", "en");
  CHECK(e["variant"] == "trail");
  CHECK(e["rule"]["variant"] == "trail");
  CHECK(e["rule"]["condition"] == json::parse(R"({"interests.trail-running": {"$gte": 0.5}})"));
  REQUIRE(e["used"].size() == 1);
  CHECK(e["used"][0]["path"] == "interests.trail-running");
  CHECK(e["used"][0]["value"] == 0.8);
  CHECK(e["sentence"] == "You're seeing this because you've been looking at trail running.");
  CHECK(e["sentences"]["es"] == "Ves esto porque has estado mirando trail running.");
  CHECK(explain_slot(l.rules, d, a, "hero", "es")["sentence"] == e["sentences"]["es"]);
}

TEST_CASE("explain says why a slot shows its default") {
  auto l = load(kStore);
  DecideState state;
  json d = decide_page(l.rules, state, attrs(0, 0, 0), kAll, kTemplates, false, kNow);
  CHECK(explain_slot(l.rules, d, json::object(), "hero")["sentence"] == "No personalization: it is off or paused in your privacy settings.");
  d = decide_page(l.rules, state, attrs(0, 0, 0), kAll, kTemplates, true, kNow);
  json e = explain_slot(l.rules, d, json::object(), "hero", "es");
  CHECK(e["variant"].is_null());
  CHECK(e["sentence"] == "Esto es lo que ve todo el mundo.");
  CHECK(explain_slot(l.rules, d, json::object(), "elsewhere").contains("error"));
}

TEST_CASE("explain gives no personal reason for an experiment's control arm: it shows the default") {
  auto l = load(R"({"taxonomy": [{"id": "trail-running", "label": "Trail running"}],
    "page": {"maxPersonalizedSlots": 10}, "slots": [{"id": "s", "experiment": {"key": "trail-test"}, "variants": [
      {"id": "control", "weight": 0.5, "condition": {"interests.trail-running": {"$gte": 0.5}}},
      {"id": "b", "weight": 0.5, "condition": {"interests.trail-running": {"$gte": 0.5}}, "content": {"text": "B"}}]}]})");
  REQUIRE(l.diag.ok());
  json a = attrs(0.8, 0, 0);
  int controls = 0;
  for (int i = 0; i < 20; ++i) {
    DecideState state;
    state.bucket_id = "id" + std::to_string(i);
    json d = decide_page(l.rules, state, a, {"s"}, {}, true, kNow);
    if (slot_of(d, "s")["variant"] != "control") continue;
    ++controls;
    json e = explain_slot(l.rules, d, a, "s", "en");
    CHECK(e["variant"] == "control");
    CHECK(e["sentence"] == "This is what everyone sees.");
    CHECK(e["sentences"]["es"] == "Esto es lo que ve todo el mundo.");
  }
  CHECK(controls > 0);
}

TEST_CASE("an experiment's control arm does not count against the page's personalized-slot budget") {
  auto l = load(R"({"page": {"maxPersonalizedSlots": 1}, "slots": [
    {"id": "s", "experiment": {"key": "budget-test"},
     "variants": [{"id": "control", "weight": 0.5}, {"id": "b", "weight": 0.5, "content": {"text": "B"}}]},
    {"id": "t", "variants": [{"id": "w", "content": {"text": "W"}}]}]})");
  REQUIRE(l.diag.ok());
  int controls = 0;
  for (int i = 0; i < 20; ++i) {
    DecideState state;
    state.bucket_id = "id" + std::to_string(i);
    json d = decide_page(l.rules, state, json::object(), {"s", "t"}, {}, true, kNow);
    bool control = slot_of(d, "s")["variant"] == "control";
    controls += control;
    // The budget of one goes to "b" when it shows, and is still free beside the control.
    CHECK(slot_of(d, "t")["reason"] == (control ? "matched" : "budget"));
  }
  CHECK(controls > 0);
}

TEST_CASE("a personalized variant never says it is what everyone sees") {
  // Visitors without personalization see the default, so "everyone" would be untrue.
  auto l = load(R"({"slots": [{"id": "s", "variants": [
      {"id": "opted", "condition": {"consent.aggregate": true}, "content": {"text": "Thanks for helping"}},
      {"id": "all", "content": {"text": "Free returns"}}]}]})");
  DecideState state;
  json a = {{"consent", {{"aggregate", true}}}};
  json d = decide_page(l.rules, state, a, {"s"}, {}, true, kNow);
  json e = explain_slot(l.rules, d, a, "s");
  CHECK(e["variant"] == "opted");
  CHECK(e["sentences"]["en"] == "You're seeing this because of your privacy choices.");
  CHECK(e["sentences"]["es"] == "Ves esto por tus opciones de privacidad.");
  a["consent"]["aggregate"] = false;
  d = decide_page(l.rules, state, a, {"s"}, {}, true, kNow);
  e = explain_slot(l.rules, d, a, "s");
  CHECK(e["variant"] == "all");
  CHECK(e["sentences"]["en"] == "You're seeing this because personalization is on.");
  CHECK(e["sentences"]["es"] == "Ves esto porque tienes la personalización activada.");
}

TEST_CASE("the owner's own reason sentence is used, with its placeholder filled") {
  auto l = load(R"({"taxonomy": [{"id": "yoga", "label": {"en": "Yoga", "es": "yoga"}}],
    "slots": [{"id": "s", "variants": [{"id": "v", "condition": {"interests.yoga": {"$gt": 0.2}},
      "content": {"text": "Namaste"}, "reason": {"en": "Picked for {{interest}} fans.", "es": "Para fans de {{interest}}."}}]}]})");
  DecideState state;
  json a = {{"interests", {{"yoga", 0.9}}}};
  json d = decide_page(l.rules, state, a, {"s"}, {}, true, kNow);
  json e = explain_slot(l.rules, d, a, "s");
  CHECK(e["sentences"]["en"] == "Picked for Yoga fans.");
  CHECK(e["sentences"]["es"] == "Para fans de yoga.");
}

TEST_CASE("{{like}} names a like the rule asks for, and a variant whose placeholder cannot be filled does not show") {
  auto l = load(R"({"taxonomy": [{"id": "yoga", "label": "Yoga"}],
    "slots": [{"id": "s", "variants": [
      {"id": "liked", "condition": {"$or": [{"likes": {"$in": ["yoga"]}}, {"visits.count": {"$gt": 5}}]},
       "content": {"text": "More {{like}}"}},
      {"id": "plain", "content": {"text": "Hello"}}]}]})");
  DecideState state;
  json d = decide_page(l.rules, state, {{"likes", {"hiking", "yoga"}}}, {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"] == "liked");
  CHECK(slot_of(d, "s")["fill"]["like"] == "Yoga");
  d = decide_page(l.rules, state, {{"visits", {{"count", 9}}}}, {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"] == "plain");
}

TEST_CASE("slots that share an audience share its verdict; different thresholds are different audiences") {
  // 200 slots x 3 rules, the benchmark's shapes: the country rule is written
  // alike everywhere (key order aside), the thresholds differ per slot.
  std::string text = R"({"taxonomy": [{"id": "sports", "label": "Sports"}], "page": {"maxPersonalizedSlots": 200}, "slots": [)";
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    std::string id = "slot" + std::to_string(i);
    ids.push_back(id);
    std::string country = i % 2 ? R"({"location.country": {"$in": ["FR", "DE"]}, "visits.count": {"$gte": 1}})"
                                : R"({"visits.count": {"$gte": 1}, "location.country": {"$in": ["FR", "DE"]}})";
    text += std::string(i ? "," : "") + R"({"id": ")" + id + R"(", "variants": [
      {"id": "a", "condition": )" + country + R"(, "content": {"text": "a"}},
      {"id": "b", "condition": {"interests.sports": {"$gt": )" + std::to_string((i % 4) * 0.3) + R"(}}, "content": {"text": "b"}},
      {"id": "c", "condition": {"visits.count": {"$gte": )" + std::to_string(1 + i % 5) + R"(}}, "content": {"text": "c"}}]})";
  }
  text += "]}";
  auto l = load(text.c_str());
  CHECK(l.rules.conditions.size() == 1 + 4 + 5);
  json a = {{"location", {{"country", "ES"}}}, {"interests", {{"sports", 0.5}}}, {"visits", {{"count", 3}}}};
  DecideState state;
  json d = decide_page(l.rules, state, a, ids, {}, true, kNow);
  REQUIRE(d["slots"].size() == 200u);
  for (int i = 0; i < 200; ++i) {
    // Not in FR/DE; sports 0.5 beats 0 and 0.3 only; 3 visits reach a threshold of 1..3.
    const char* want = (i % 4) * 0.3 < 0.5 ? "b" : (1 + i % 5) <= 3 ? "c" : nullptr;
    const json& variant = d["slots"][static_cast<size_t>(i)]["variant"];
    if (want) CHECK_MESSAGE(variant == want, "slot" << i);
    else CHECK_MESSAGE(variant.is_null(), "slot" << i);
  }
  a["location"]["country"] = "DE";
  d = decide_page(l.rules, state, a, ids, {}, true, kNow);
  for (const auto& s : d["slots"]) CHECK(s["variant"] == "a");
}

TEST_CASE("a config's regexes add up to at most 10,000 steps, so no decision runs more over the page's path") {
  // `.{1,990}x` expands to just under 2,000 steps: five fit in the budget, six do not.
  auto config = [](int slots) {
    json root = {{"slots", json::array()}};
    for (int i = 0; i < slots; ++i) {
      root["slots"].push_back({{"id", "s" + std::to_string(i)},
                               {"variants", {{{"id", "v"}, {"condition", {{"page.path", {{"$regex", ".{1,990}x"}}}}}}}}});
    }
    return root;
  };
  Taxonomy taxonomy;
  Diagnostics fits;
  parse_decide_rules(config(5), taxonomy, fits);
  CHECK(fits.ok());
  Diagnostics over;
  parse_decide_rules(config(7), taxonomy, over);
  REQUIRE(over.errors.size() == 1);  // said once, at the slot that crossed it
  CHECK(over.errors[0].to_string().rfind("slots[5]: the config's regexes add up to more than 10000 steps", 0) == 0);
}

namespace {

// Decides slot "s" of `config` for `attributes` and explains it.
json explained(const std::string& config, const json& attributes) {
  auto l = load(config.c_str());
  DecideState state;
  json d = decide_page(l.rules, state, attributes, {"s"}, {}, true, kNow);
  return explain_slot(l.rules, d, attributes, "s");
}

const char* const kTwoWays = R"({"taxonomy": [{"id": "hiking", "label": "Hiking"}],
  "slots": [{"id": "s", "variants": [{"id": "v",
    "condition": {"$or": [{"interests.hiking": {"$gte": 0.5}}, {"visits.count": {"$gte": 3}}]},
    "content": {"text": "Hello"}}]}]})";

}  // namespace

TEST_CASE("explain names only the $or branch that decided, not one that did not hold") {
  // Hiking at 0.2 did not reach 0.5: the visits decided, so the sentence may not say hiking.
  json e = explained(kTwoWays, {{"interests", {{"hiking", 0.2}}}, {"visits", {{"count", 5}}}});
  CHECK(e["variant"] == "v");
  CHECK(e["sentences"]["en"] == "You're seeing this because you've visited us before.");
  REQUIRE(e["used"].size() == 1);
  CHECK(e["used"][0]["path"] == "visits.count");
  CHECK(e["rule"]["paths"].size() == 2);  // the rule still says everything it reads
  e = explained(kTwoWays, {{"interests", {{"hiking", 0.7}}}, {"visits", {{"count", 5}}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you've been looking at hiking.");
  CHECK(e["used"].size() == 1);
}

TEST_CASE("a rule that holds because the visitor does NOT have something never says they do") {
  const char* config = R"({"taxonomy": [{"id": "hiking", "label": "Hiking"}, {"id": "yoga", "label": "Yoga"}],
    "slots": [{"id": "s", "variants": [{"id": "v", "condition": COND, "content": {"text": "Hello"}}]}]})";
  auto with = [&](const char* condition) {
    std::string text = config;
    return text.replace(text.find("COND"), 4, condition);
  };
  json a = {{"interests", {{"hiking", 0.2}}}, {"likes", {"hiking"}}, {"visits", {{"count", 1}}},
            {"occasions", {{"birthdayMonth", false}}}};
  json e = explained(with(R"({"interests.hiking": {"$lt": 0.5}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because of what you haven't been looking at here.");
  CHECK(e["sentences"]["es"] == "Ves esto por lo que aún no has mirado aquí.");
  CHECK(e["used"][0]["negated"] == true);
  e = explained(with(R"({"$not": {"interests.hiking": {"$gte": 0.5}}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because of what you haven't been looking at here.");
  e = explained(with(R"({"interests.yoga": {"$exists": false}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because of what you haven't been looking at here.");
  REQUIRE(e["used"].size() == 1);  // the absence it used is listed, with no value
  CHECK(e["used"][0]["path"] == "interests.yoga");
  CHECK_FALSE(e["used"][0].contains("value"));
  e = explained(with(R"({"likes": {"$nin": ["yoga"]}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because of what you have or haven't told us you like.");
  e = explained(with(R"({"purchases.shoes.count": {"$exists": false}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because of how often you've shopped with us.");
  e = explained(with(R"({"occasions.birthdayMonth": false})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because it isn't your birthday month.");
  e = explained(with(R"({"visits.count": {"$lte": 1}})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because this is one of your first visits.");
  CHECK(e["sentences"]["es"] == "Ves esto porque es una de tus primeras visitas.");
  e = explained(with(R"({"$nor": [{"location.country": "ES"}]})"), a);
  CHECK(e["sentences"]["en"] == "You're seeing this because you haven't told us your country.");
  e = explained(with(R"({"dislikes": {"$in": ["yoga"]}})"), {{"dislikes", {"yoga"}}, {"likes", {"hiking"}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because of what you told us you don't like.");
  e = explained(with(R"({"purchases.shoes.daysSinceLast": {"$lt": 30}})"), {{"purchases", {{"shoes", {{"daysSinceLast", 3}}}}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you've shopped with us before.");
}

TEST_CASE("a like in an explanation is the one the rule asked for, in plain Spanish") {
  const char* config = R"({"taxonomy": [{"id": "hiking", "label": {"en": "Hiking", "es": "Senderismo"}},
      {"id": "yoga", "label": "Yoga"}],
    "slots": [{"id": "s", "variants": [{"id": "v", "condition": {"likes": {"$in": ["yoga"]}}, "content": {"text": "Hi"}}]}]})";
  json e = explained(config, {{"likes", {"hiking", "yoga"}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you told us you like yoga.");
  CHECK(e["sentences"]["es"] == "Ves esto porque incluiste yoga entre tus gustos.");
}

TEST_CASE("the owner's reason names the interest that decided, or gives way when none did") {
  const char* config = R"({"taxonomy": [{"id": "trail", "label": "Trail running"}, {"id": "hiking", "label": "Hiking"}],
    "slots": [{"id": "s", "variants": [{"id": "v",
      "condition": {"$or": [{"interests.trail": {"$gte": 0.5}}, {"interests.hiking": {"$gte": 0.5}}, {"visits.count": {"$gte": 3}}]},
      "content": {"text": "Hello"}, "reason": {"en": "You've been looking at {{interest}}.", "es": "Has mirado {{interest}}."}}]}]})";
  // Trail running at 0.3 did not reach 0.5: hiking decided.
  json e = explained(config, {{"interests", {{"trail", 0.3}, {"hiking", 0.7}}}, {"visits", {{"count", 1}}}});
  CHECK(e["sentences"]["en"] == "You've been looking at Hiking.");
  CHECK(e["sentences"]["es"] == "Has mirado Hiking.");
  // Only the visits decided: the owner's sentence would name an interest that did not, so the generated one says why.
  e = explained(config, {{"interests", {{"trail", 0.3}}}, {"visits", {{"count", 5}}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you've visited us before.");
}

TEST_CASE("an interest the visitor declared is explained as told, not as looked at") {
  const char* config = R"({"taxonomy": [{"id": "hiking", "label": {"en": "Hiking", "es": "Senderismo"}}],
    "slots": [{"id": "s", "variants": [{"id": "v", "condition": {"interests.hiking": {"$gte": 0.5}}, "content": {"text": "Hi"}}]}]})";
  // A declared like reads as a full interest (1.0), though the visitor may never have looked at a hiking page.
  json e = explained(config, {{"interests", {{"hiking", 1.0}}}, {"likes", {"hiking"}}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you told us you like hiking.");
  CHECK(e["sentences"]["es"] == "Ves esto porque incluiste senderismo entre tus gustos.");
  e = explained(config, {{"interests", {{"hiking", 0.6}}}, {"likes", json::array()}});
  CHECK(e["sentences"]["en"] == "You're seeing this because you've been looking at hiking.");
}

TEST_CASE("the slot's own {{interest}} names the interest that decided, as its explanation does") {
  auto l = load(R"({"taxonomy": [{"id": "trail", "label": "Trail running"}, {"id": "hiking", "label": "Hiking"}],
    "slots": [{"id": "s", "variants": [
      {"id": "new-to-trail", "condition": {"interests.trail": {"$lt": 0.2}, "interests.hiking": {"$gte": 0.5}},
       "content": {"text": "Try {{interest}}"}},
      {"id": "either", "condition": {"$or": [{"interests.trail": {"$gte": 0.5}}, {"interests.hiking": {"$gte": 0.5}}]},
       "content": {"text": "More {{interest}}"}}]}]})");
  DecideState state;
  auto page = [](json interests) {
    return json{{"interests", interests}, {"visits", {{"count", 1}}}, {"page", {{"path", "/"}, {"interests", json::array()}}}};
  };
  // Trail running at 0.3 is stored but did not hold: hiking decided, and the slot says so.
  json d = decide_page(l.rules, state, page({{"trail", 0.3}, {"hiking", 0.7}}), {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"] == "either");
  CHECK(slot_of(d, "s")["fill"]["interest"] == "Hiking");
  json e = explain_slot(l.rules, d, page({{"trail", 0.3}, {"hiking", 0.7}}), "s", "en");
  CHECK(e["sentences"]["en"] == "You're seeing this because you've been looking at hiking.");
  // When the first branch holds, it is the one named.
  d = decide_page(l.rules, state, page({{"trail", 0.9}, {"hiking", 0.7}}), {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["fill"]["interest"] == "Trail running");
  // A rule that holds on trail running being low never names it.
  d = decide_page(l.rules, state, page({{"trail", 0.1}, {"hiking", 0.6}}), {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"] == "new-to-trail");
  CHECK(slot_of(d, "s")["fill"]["interest"] == "Hiking");
}

TEST_CASE("a slot using both placeholders names, for each, the test that decided") {
  auto l = load(R"({"taxonomy": [{"id": "trail", "label": "Trail running"}, {"id": "hiking", "label": "Hiking"},
      {"id": "yoga", "label": "Yoga"}],
    "slots": [{"id": "s", "variants": [
      {"id": "both", "condition": {"$or": [{"interests.trail": {"$gte": 0.5}}, {"interests.hiking": {"$gte": 0.5}}],
                                   "likes": {"$in": ["hiking"]}},
       "content": {"text": "More {{interest}} for {{like}} fans"}}]}]})");
  DecideState state;
  json page{{"interests", {{"trail", 0.3}, {"hiking", 0.7}}}, {"likes", {"yoga", "hiking"}}, {"visits", {{"count", 1}}},
            {"page", {{"path", "/"}, {"interests", json::array()}}}};
  json d = decide_page(l.rules, state, page, {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"] == "both");
  CHECK(slot_of(d, "s")["fill"]["interest"] == "Hiking");
  CHECK(slot_of(d, "s")["fill"]["like"] == "Hiking");
  page["likes"] = {"yoga"};  // the like the rule asks for is gone: the rule no longer holds
  d = decide_page(l.rules, state, page, {"s"}, {}, true, kNow);
  CHECK(slot_of(d, "s")["variant"].is_null());
}
