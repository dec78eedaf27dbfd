// Slots a page adds after its first decision (a framework rendering later, a
// client-side router): the core decides them with the page's current state,
// within what the earlier slots left of the page's budget, and never changes
// what it decided for the earlier ones.
#include <doctest/doctest.h>

#include "canonical.hpp"

#include <fstream>
#include <sstream>

#include "tactful/engine.hpp"
#include "tactful/json.hpp"

using tactful::Engine;
using tactful::json;

namespace {

const int64_t kNow = 1795000000000;  // 2026-11-19
const char* kKey = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

// The demo config with a budget of `budget` personalized slots per page.
std::string demo_config(int budget) {
  std::ifstream f(std::string(TACTFUL_SOURCE_DIR) + "/demo-site/tactful.config.json");
  std::stringstream ss;
  ss << f.rdbuf();
  json config = json::parse(ss.str());
  config["reporting"]["publicKey"] = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
  config["page"]["maxPersonalizedSlots"] = budget;
  return config.dump();
}

// A trail runner who opted in, on a page whose path is `path`.
struct TrailRunner {
  Engine engine;
  explicit TrailRunner(int budget) {
    REQUIRE(json::parse(engine.call("init", demo_config(budget), kNow, false)).value("ok", false));
    REQUIRE((*this)("load", {{"key", kKey}, {"signals", json::object()}}).value("ok", false));
    (*this)("consent.set", {{"purposes", {{"personalization", true}}}}, true);
    for (int i = 0; i < 2; ++i) (*this)("track", json::array({{{"type", "view"}, {"interests", {"trail-running"}}}}));
  }
  json operator()(const std::string& op, const json& in = json::object(), bool gesture = false) {
    return parse_canonical(engine.call(op, in.dump(), kNow, gesture));
  }
  json page(const json& slots) {
    return (*this)("page", {{"path", "/"}, {"slots", slots},
                            {"templates", {{"hero-trail-running", "<h2>Trail</h2>"}, {"picks-trail-running", "<p>Picks</p>"}}}});
  }
  // The variant position the core chose for each page slot, as the page reads them.
  std::vector<int> decide() {
    const auto* d = engine.decide_binary(kNow);
    REQUIRE(d != nullptr);
    std::vector<int> variants;
    for (size_t i = 0; i < d->size(); i += 4) variants.push_back((*d)[i]);
    return variants;
  }
};

}  // namespace

TEST_CASE("a slot added later is personalized when the page's budget has room") {
  TrailRunner v(2);
  v.page({"hero"});
  CHECK(v.decide() == std::vector<int>{0});
  json added = v("slots", {{"slots", {"picks"}}});
  CHECK(added["slots"] == json({"picks"}));
  CHECK(added["positions"] == json({1}));
  CHECK(added["decisions"] == json({0, 7, -1, -1}));  // variant 0 ("trail-running"), reason matched
  CHECK(v("explain", {{"slot", "picks"}})["variant"] == "trail-running");
}

TEST_CASE("a slot added later gets only what the earlier slots left of the budget, whatever its config priority") {
  TrailRunner v(1);
  v.page({"picks"});
  CHECK(v.decide() == std::vector<int>{0});
  // hero comes first in the config, but picks is on screen already: it keeps its place.
  json added = v("slots", {{"slots", {"hero"}}});
  CHECK(added["decisions"] == json({-1, 4, -1, -1}));  // default, reason budget
  CHECK(v("explain", {{"slot", "hero"}})["reason"] == "budget");
  // Deciding the whole page again (the visitor changed something) keeps that order.
  CHECK(v.decide() == std::vector<int>{0, -1});
}

TEST_CASE("a slot already on the page is not decided again when the page adds it back") {
  TrailRunner v(2);
  v.page({"hero"});
  v.decide();
  json again = v("slots", {{"slots", {"hero", "hero"}}});
  CHECK(again["slots"] == json::array());
  CHECK(again["decisions"] == json::array());
  // Added twice in one batch: once.
  CHECK(v("slots", {{"slots", {"picks", "picks"}}})["slots"] == json({"picks"}));
}

TEST_CASE("a new page view starts the budget afresh") {
  TrailRunner v(1);
  v.page({"hero"});
  v.decide();
  CHECK(v("slots", {{"slots", {"picks"}}})["decisions"][0] == -1);
  // A client-side navigation: the page's slots are set again, none yet;
  // the route brings its slot and its template.
  v("page", {{"path", "/trail"}, {"slots", json::array()}});
  json added = v("slots", {{"slots", {"picks"}}, {"templates", {{"picks-trail-running", "<p>Picks</p>"}}}});
  CHECK(added["decisions"][0] == 0);
  CHECK_FALSE(added.contains("templateErrors"));
  // A template the page gives later is checked as the first ones are.
  json bad = v("slots", {{"slots", {"banner"}}, {"templates", {{"banner-returning", "<a href=\"{{interest}}\">x</a>"}}}});
  CHECK(bad["templateErrors"].size() == 1);
  // Deciding that page again in whole (a first batch of no slots, then two): each slot once.
  CHECK(v.decide() == std::vector<int>{0, -1});
}

TEST_CASE("a showing of a slot added later counts against its variant's caps once") {
  TrailRunner v(2);
  v.page({"hero"});
  v.decide();
  v("slots", {{"slots", {"picks"}}});
  json shown = {{"slots", json::array({{{"id", "picks"}, {"variant", "trail-running"}, {"fresh", true}}})}};
  CHECK(v("shown", shown)["counted"] == 1);
  // Shown again with the same content (the router rendered it again): not fresh.
  shown["slots"][0]["fresh"] = false;
  v("shown", shown);
  json exported = v("profile.export");
  int count = 0;
  for (const auto& s : exported["decisions"]["shown"]) {
    if (s["slot"] == "picks") count += s["count"].get<int>();
  }
  CHECK(count == 1);
}

TEST_CASE("slots added later are refused with a specific error when not a list") {
  TrailRunner v(2);
  v.page({"hero"});
  json bad = v("slots", {{"slots", "picks"}});
  CHECK(bad["error"] == "slots expects {slots: [ids]}");
  CHECK(bad["path"] == "slots");
}
