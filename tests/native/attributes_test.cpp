// What targeting conditions may see, in sentences.
#include <doctest/doctest.h>

#include "tactful/attributes.hpp"

using namespace tactful;

namespace {
constexpr int64_t T0 = 1740000000000;  // 2025-02-19T21:20:00Z
constexpr int64_t DAY = 86400000;

Taxonomy taxonomy() {
  Taxonomy t;
  t.interests = {{"trail-running", "Trail running", ""}, {"outdoor", "Outdoor", ""}, {"cooking", "Cooking", ""},
                 {"pharmacy", "Pharmacy", "health"}};
  return t;
}

// A profile holding something in every category, filled while everything was allowed.
Profile full_profile() {
  Consent all = initial_consent(ConsentRules{"1"}, {}, T0 - 10 * DAY);
  Profile p;
  REQUIRE(apply_consent_change(all, p, json::parse(R"({"purposes":{"personalization":true},
      "categories":{"purchases":true,"location":true,"occasions":true}})"), ConsentSource::visitor, true, T0 - 10 * DAY).ok());
  for (int i = 0; i < 4; ++i) ingest_view(p, ViewEvent{{"trail-running", "outdoor"}, "page"}, all, taxonomy(), {}, T0 - 10 * DAY);
  ingest_view(p, ViewEvent{{"cooking"}, "page"}, all, taxonomy(), {}, T0);  // one view: below the evidence minimum
  record_visit(p, all, T0 - 10 * DAY);
  record_visit(p, all, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", {}, ""}, all, taxonomy(), {}, T0 - 3 * DAY);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"],"dislikes":["outdoor"],"location":{"country":"ES"},
      "occasions":{"birthdayMonth":2}})"), all, taxonomy(), {}, T0 - 10 * DAY).ok());
  return p;
}

Consent consent(const char* change) {
  Consent c = initial_consent(ConsentRules{"1"}, {}, T0);
  Profile scratch;
  REQUIRE(apply_consent_change(c, scratch, json::parse(change), ConsentSource::visitor, true, T0).ok());
  return c;
}

PageContext page() { return PageContext{"/trail/shoes", {"trail-running", "pharmacy", "nope"}, "small", 0}; }
}  // namespace

TEST_CASE("with everything allowed, conditions see every documented attribute") {
  Consent c = consent(R"({"purposes":{"personalization":true},"categories":{"purchases":true,"location":true,"occasions":true}})");
  json a = attribute_view(full_profile(), c, taxonomy(), {}, page(), T0);
  CHECK(a["page"] == json{{"path", "/trail/shoes"}, {"interests", {"trail-running"}}});  // never a sensitive one
  CHECK(a["viewport"] == "small");
  CHECK(a["interests"]["trail-running"].get<double>() > 0.4);
  CHECK(a["interests"]["cooking"] == 1.0);           // declared like, despite one view
  CHECK_FALSE(a["interests"].contains("outdoor"));   // declared dislike
  CHECK(a["likes"] == json{"cooking"});
  CHECK(a["dislikes"] == json{"outdoor"});
  CHECK(a["visits"] == json{{"count", 2}, {"daysSinceFirst", 10}});
  CHECK(a["purchases"]["shoes"] == json{{"count", 1}, {"daysSinceLast", 3}});
  CHECK(a["occasions"]["birthdayMonth"] == true);  // February
  CHECK(a["location"] == json{{"country", "ES"}});
  CHECK(a["consent"]["personalization"] == true);
  CHECK(a["consent"]["aggregate"] == false);
}

TEST_CASE("an interest below the evidence minimum is absent") {
  Consent c = consent(R"({"purposes":{"personalization":true}})");
  Profile p;
  ingest_view(p, ViewEvent{{"trail-running"}, "page"}, c, taxonomy(), {}, T0);
  json a = attribute_view(p, c, taxonomy(), {}, page(), T0);
  CHECK(a["interests"] == json::object());
}

TEST_CASE("only the categories the visitor allows are present") {
  Profile p = full_profile();
  Consent c = consent(R"({"purposes":{"personalization":true}})");  // interests only
  json a = attribute_view(p, c, taxonomy(), {}, page(), T0);
  CHECK(a.contains("interests"));
  CHECK(a.contains("visits"));
  CHECK_FALSE(a.contains("purchases"));
  CHECK_FALSE(a.contains("location"));
  CHECK_FALSE(a.contains("occasions"));
  CHECK(a["consent"]["purchases"] == false);
}

TEST_CASE("with personalization paused, only page context and consent remain") {
  Consent c = consent(R"({"categories":{"purchases":true,"location":true,"occasions":true}})");
  json a = attribute_view(full_profile(), c, taxonomy(), {}, page(), T0);
  std::vector<std::string> keys;
  for (auto it = a.begin(); it != a.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"consent", "page", "viewport"});
}

TEST_CASE("a site directed at children gets page context only") {
  ConsentRules r{"1"};
  r.directed_at_children = true;
  r.personalization_default = true;
  Consent c = initial_consent(r, {}, T0);
  json a = attribute_view(full_profile(), c, taxonomy(), {}, page(), T0);
  CHECK_FALSE(a.contains("interests"));
  CHECK_FALSE(a.contains("likes"));
  CHECK_FALSE(a.contains("visits"));
  CHECK(a["page"]["path"] == "/trail/shoes");
}

TEST_CASE("birthday month is a yes/no about now, in the visitor's time zone") {
  Consent c = consent(R"({"purposes":{"personalization":true},"categories":{"occasions":true}})");
  Profile p = full_profile();  // birthday month 2
  int64_t march_utc = 1740787200000;  // 2025-03-01T00:00:00Z
  PageContext ctx = page();
  CHECK(attribute_view(p, c, taxonomy(), {}, ctx, march_utc)["occasions"]["birthdayMonth"] == false);
  ctx.tz_offset_minutes = -300;  // still February 28th in New York
  CHECK(attribute_view(p, c, taxonomy(), {}, ctx, march_utc)["occasions"]["birthdayMonth"] == true);
}

TEST_CASE("an interest the current taxonomy marks sensitive is never visible") {
  Consent c = consent(R"({"purposes":{"personalization":true}})");
  Profile p = full_profile();
  Taxonomy changed = taxonomy();
  changed.interests[0].sensitive = "health";  // trail-running, reclassified
  changed.interests[1].sensitive = "health";  // outdoor, declared a dislike
  changed.interests[2].sensitive = "health";  // cooking, declared a like
  json a = attribute_view(p, c, changed, {}, page(), T0);
  CHECK_FALSE(a["interests"].contains("trail-running"));
  CHECK(a["page"]["interests"] == json::array());
  // What the visitor declared about it is not visible either.
  CHECK_FALSE(a["interests"].contains("cooking"));
  CHECK(a["likes"] == json::array());
  CHECK(a["dislikes"] == json::array());
}

TEST_CASE("expired items are not visible, even before a purge") {
  Consent c = consent(R"({"purposes":{"personalization":true},"categories":{"purchases":true,"location":true}})");
  ProfileRules r;
  r.retention_purchases = 2;
  r.retention_location = 5;
  json a = attribute_view(full_profile(), c, taxonomy(), r, page(), T0);
  CHECK(a["purchases"] == json::object());
  CHECK_FALSE(a.contains("location"));

  // Likes and dislikes declared ten days ago, with interests kept five.
  ProfileRules short_interests;
  short_interests.retention_interests = 5;
  json b = attribute_view(full_profile(), c, taxonomy(), short_interests, page(), T0);
  CHECK(b["likes"] == json::array());
  CHECK(b["dislikes"] == json::array());
  CHECK_FALSE(b["interests"].contains("cooking"));

  // A visit count whose last visit is older than the interests' retention.
  Profile visited;
  record_visit(visited, c, T0 - 10 * DAY);
  CHECK(attribute_view(visited, c, taxonomy(), {}, page(), T0)["visits"]["count"] == 1);
  CHECK_FALSE(attribute_view(visited, c, taxonomy(), short_interests, page(), T0).contains("visits"));
}
