// The profile rules, in sentences.
#include <doctest/doctest.h>

#include "canonical.hpp"

#include <cmath>

#include "tactful/consent.hpp"
#include "tactful/profile.hpp"

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

Consent consent_with(const char* change) {
  Consent c = initial_consent(ConsentRules{"1"}, {}, T0);
  Profile scratch;
  REQUIRE(apply_consent_change(c, scratch, json::parse(change), ConsentSource::visitor, true, T0).ok());
  return c;
}
Consent personalized() { return consent_with(R"({"purposes":{"personalization":true}})"); }
Consent everything() {
  return consent_with(
      R"({"purposes":{"personalization":true},"categories":{"purchases":true,"location":true,"occasions":true}})");
}

void view(Profile& p, const Consent& c, std::vector<std::string> ids, int64_t at, const ProfileRules& r = {}) {
  ingest_view(p, ViewEvent{std::move(ids), "page"}, c, taxonomy(), r, at);
}
}  // namespace

TEST_CASE("config: profile rules are read with defaults, and mistakes name their path") {
  Diagnostics d;
  ProfileRules r = parse_profile_rules(json::parse(R"({"profile":{"halfLifeDays":14,"minEvidence":3,
      "retentionDays":{"purchases":90},"maxItems":200,"itemLevelPurchases":true}})"), d);
  CHECK(d.ok());
  CHECK(r.half_life_days == 14);
  CHECK(r.min_evidence == 3);
  CHECK(r.retention_purchases == 90);
  CHECK(r.retention_interests == 180);
  CHECK(r.max_items == 200);
  CHECK(r.max_bytes == 64 * 1024);
  CHECK(r.item_level_purchases);

  Diagnostics bad;
  parse_profile_rules(json::parse(R"({"profile":{"halfLifeDays":0,"retentionDays":{"health":1,"location":1.5},
      "maxBytes":"big","colour":1}})"), bad);
  REQUIRE(bad.errors.size() == 5);
  CHECK(bad.errors[0].path == "profile.colour");
  CHECK(bad.errors[1].to_string() == "profile.halfLifeDays: must be a number 1..3650");
  CHECK(bad.errors[2].to_string() == "profile.maxBytes: must be an integer 4096..1048576");
  CHECK(bad.errors[3].path == "profile.retentionDays.health");
  CHECK(bad.errors[4].to_string() == "profile.retentionDays.location: must be an integer 1..3650");
}

TEST_CASE("an interest halves its weight every half-life") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;  // half-life 30 days
  for (int i = 0; i < 4; ++i) view(p, c, {"trail-running"}, T0);
  // weight 4 -> score 1 - 2^-1
  CHECK(*interest_score(p, "trail-running", r, T0) == doctest::Approx(0.5));
  // weight 2 after one half-life -> 1 - 2^-0.5
  CHECK(*interest_score(p, "trail-running", r, T0 + 30 * DAY) == doctest::Approx(1 - std::exp2(-0.5)));
  CHECK(*interest_score(p, "trail-running", r, T0 + 90 * DAY) == doctest::Approx(1 - std::exp2(-0.125)));
  // New evidence adds to the decayed weight, not to the old one.
  view(p, c, {"trail-running"}, T0 + 30 * DAY);
  CHECK(p.interests[0].weight == doctest::Approx(3.0));
}

TEST_CASE("an inferred interest counts only after the evidence minimum") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;
  r.min_evidence = 3;
  view(p, c, {"outdoor"}, T0);
  view(p, c, {"outdoor"}, T0 + 1);
  CHECK_FALSE(interest_score(p, "outdoor", r, T0 + 2).has_value());
  view(p, c, {"outdoor"}, T0 + 2);
  CHECK(interest_score(p, "outdoor", r, T0 + 2).has_value());
  // A repeated id within one event is one piece of evidence, not two.
  Profile q;
  view(q, c, {"cooking", "cooking", "cooking"}, T0);
  CHECK(q.interests[0].evidence == 1);
}

TEST_CASE("minimize at ingest: nothing is stored for a category that is not allowed") {
  Profile p;
  Consent off = initial_consent(ConsentRules{"1"}, {}, T0);  // personalization off
  CHECK_FALSE(ingest_view(p, ViewEvent{{"trail-running"}, "page"}, off, taxonomy(), {}, T0));
  CHECK_FALSE(ingest_purchase(p, PurchaseEvent{"shoes", 80.0, "trail shoe"}, personalized(), taxonomy(), {}, T0));
  record_visit(p, off, T0);
  CHECK(item_count(p) == 0);
  CHECK(profile_state_to_json(p) == profile_state_to_json(Profile{}));
}

TEST_CASE("minimize at ingest: unknown and sensitive interests are never stored") {
  Profile p;
  Consent c = personalized();
  CHECK_FALSE(ingest_view(p, ViewEvent{{"pharmacy", "crypto"}, "track"}, c, taxonomy(), {}, T0));
  CHECK(ingest_view(p, ViewEvent{{"pharmacy", "outdoor"}, "track"}, c, taxonomy(), {}, T0));
  REQUIRE(p.interests.size() == 1);
  CHECK(p.interests[0].id == "outdoor");
  CHECK(p.interests[0].provenance.source == "track");
  CHECK_FALSE(ingest_purchase(p, PurchaseEvent{"health", {}, ""}, everything(), taxonomy(), {}, T0));
  CHECK_FALSE(ingest_purchase(p, PurchaseEvent{"Free text, John Smith", {}, ""}, everything(), taxonomy(), {}, T0));
  // A purchase in a sensitive interest's category is that interest, bought.
  CHECK_FALSE(ingest_purchase(p, PurchaseEvent{"pharmacy", {}, ""}, everything(), taxonomy(), {}, T0));
  // So is one whose words name it, however the site joined them.
  for (const char* named : {"pharmacy-refills", "online_pharmacy", "pharmacy_2"}) {
    CAPTURE(named);
    CHECK_FALSE(ingest_purchase(p, PurchaseEvent{named, {}, ""}, everything(), taxonomy(), {}, T0));
  }
  CHECK(p.purchases.empty());
  CHECK(ingest_purchase(p, PurchaseEvent{"pharmacyware", {}, ""}, everything(), taxonomy(), {}, T0));  // another word
}

TEST_CASE("purchases keep a count and a last day; items only if the site enables them") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  CHECK(ingest_purchase(p, PurchaseEvent{"shoes", 80.0, "trail shoe"}, c, taxonomy(), r, T0));
  CHECK(ingest_purchase(p, PurchaseEvent{"shoes", {}, ""}, c, taxonomy(), r, T0 + 3 * DAY));
  REQUIRE(p.purchases.size() == 1);
  CHECK(p.purchases[0].count == 2);
  CHECK(p.purchases[0].last_day == day_of(T0 + 3 * DAY));
  CHECK(p.purchase_items.empty());
  r.item_level_purchases = true;
  CHECK(ingest_purchase(p, PurchaseEvent{"shoes", 80.0, "trail shoe"}, c, taxonomy(), r, T0));
  REQUIRE(p.purchase_items.size() == 1);
  CHECK(*p.purchase_items[0].value == 80.0);
}

TEST_CASE("visits count at most once per calendar day") {
  Profile p;
  Consent c = personalized();
  int64_t midnight = day_of(T0) * DAY;
  record_visit(p, c, midnight + 1000);
  record_visit(p, c, midnight + DAY - 1);
  CHECK(p.visits.count == 1);
  record_visit(p, c, midnight + DAY);
  record_visit(p, c, midnight + 5 * DAY);
  CHECK(p.visits.count == 3);
  CHECK(p.visits.first_day == day_of(T0));
  CHECK(p.visits.last_day == day_of(T0) + 5);
}

TEST_CASE("declared preferences override inference") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;
  for (int i = 0; i < 3; ++i) view(p, c, {"outdoor"}, T0);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"],"dislikes":["outdoor"]})"), c, taxonomy(), r, T0).ok());
  CHECK(*interest_score(p, "cooking", r, T0) == 1.0);
  CHECK_FALSE(interest_score(p, "outdoor", r, T0).has_value());
  CHECK(p.interests.empty());  // "not for me" forgets what was inferred
  view(p, c, {"outdoor"}, T0 + 1);
  CHECK(p.interests.empty());  // and nothing is inferred again
  REQUIRE(declare(p, json::parse(R"({"likes":["outdoor"]})"), c, taxonomy(), r, T0 + 2).ok());
  CHECK(*interest_score(p, "outdoor", r, T0 + 2) == 1.0);
  CHECK(p.declared.size() == 2);
}

TEST_CASE("bad declarations name their path and store nothing") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  auto err = [&](const char* text) { return declare(p, json::parse(text), c, taxonomy(), r, T0).error().to_string(); };
  CHECK(err(R"({"occasions":{"birthdayMonth":13}})") == "occasions.birthdayMonth: must be an integer 1..12");
  CHECK(err(R"({"occasions":{"birthdayMonth":"may"}})") == "occasions.birthdayMonth: must be an integer 1..12");
  CHECK(err(R"({"location":{"country":"XX"}})") == "location.country: must be an ISO 3166-1 alpha-2 code");
  CHECK(err(R"({"location":{"country":"e5"}})") == "location.country: must be an ISO 3166-1 alpha-2 code");
  CHECK(err(R"({"location":{"country":"esp"}})") == "location.country: must be an ISO 3166-1 alpha-2 code");
  CHECK(err(R"({"location":{"country":"ES","region":"Madrid!"}})").rfind("location.region:", 0) == 0);
  CHECK(err(R"({"likes":["cooking", 3]})") == "likes[1]: must be a string");
  CHECK(err(R"({"likes":["pharmacy"]})") == "likes[0]: 'pharmacy' is a sensitive interest and is never stored");
  CHECK(err(R"({"likes":["knitting"]})") == "likes[0]: unknown interest 'knitting'");
  CHECK(err(R"({"likes":["cooking"],"dislikes":["cooking"]})") == "likes[0]: 'cooking' is in both likes and dislikes");
  CHECK(err(R"({"age":40})") == "age: unknown key (expected likes, dislikes, occasions, location, source)");
  // What a visitor's own form can meet has a stable code, for the panel to say in their language;
  // a developer's mistake (an unknown key) has none.
  auto code = [&](const char* text) {
    return std::string(declare(p, json::parse(text), c, taxonomy(), r, T0).error().code);
  };
  CHECK(code(R"({"location":{"country":"XX"}})") == "invalid-country");
  CHECK(code(R"({"location":{"country":"US","region":"California"}})") == "invalid-region");
  CHECK(code(R"({"occasions":{"birthdayMonth":13}})") == "invalid-month");
  CHECK(code(R"({"likes":["pharmacy"]})") == "sensitive-interest");
  CHECK(code(R"({"likes":["knitting"]})") == "unknown-interest");
  CHECK(code(R"({"likes":["cooking"],"dislikes":["cooking"]})") == "like-and-dislike");
  CHECK(code(R"({"age":40})").empty());
  // All or nothing: a valid part next to a bad one is not stored either.
  CHECK(err(R"({"likes":["cooking"],"location":{"country":"XX"}})").rfind("location.country", 0) == 0);
  CHECK(item_count(p) == 0);
}

TEST_CASE("declarations for a category that is off are refused") {
  Profile p;
  Consent c = personalized();  // location and occasions off
  Status s = declare(p, json::parse(R"({"location":{"country":"ES"}})"), c, taxonomy(), {}, T0);
  CHECK(s.error().to_string() == "location: not stored: the location category or personalization is off");
  CHECK(std::string(s.error().code) == "category-off");
  CHECK(p.country.empty());

  Status birthday = declare(p, json::parse(R"({"occasions":{"birthdayMonth":3}})"), c, taxonomy(), {}, T0);
  CHECK(birthday.error().to_string() == "occasions: not stored: the occasions category or personalization is off");
  CHECK(p.birthday_month == 0);

  // Likes and dislikes are interests: refused with interests off, and with personalization paused.
  Consent interests_off = consent_with(R"({"purposes":{"personalization":true},"categories":{"interests":false}})");
  Consent paused = initial_consent(ConsentRules{"1"}, {}, T0);
  for (const Consent* off : {&interests_off, &paused}) {
    for (const char* decl : {R"({"likes":["cooking"]})", R"({"dislikes":["outdoor"]})"}) {
      Status refused = declare(p, json::parse(decl), *off, taxonomy(), {}, T0);
      REQUIRE_FALSE(refused.ok());
      CHECK(std::string(refused.error().code) == "category-off");
      CHECK(refused.error().message == "not stored: the interests category or personalization is off");
      CHECK(p.declared.empty());
    }
  }
}

TEST_CASE("location and birthday month are stored with provenance") {
  Profile p;
  Consent c = everything();
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"US","region":"CA"},"occasions":{"birthdayMonth":4}})"), c,
                  taxonomy(), {}, T0)
              .ok());
  CHECK(p.country == "US");
  CHECK(p.region == "US-CA");
  CHECK(p.birthday_month == 4);
  CHECK(p.birthday_provenance.source == "declared");
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"ES","region":"ES-M"}})"), c, taxonomy(), {}, T0, "site")
              .ok());
  CHECK(p.region == "ES-M");
  CHECK(p.location_provenance.source == "site");
}

TEST_CASE("a declaration says who made it: the site relaying a shipping country is provenance site") {
  Profile p;
  Consent c = everything();
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"PT"},"source":"site"})"), c, taxonomy(), {}, T0).ok());
  CHECK(p.location_provenance.source == "site");
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"ES"},"source":"visitor"})"), c, taxonomy(), {}, T0).ok());
  CHECK(p.location_provenance.source == "declared");
  auto bad = declare(p, json::parse(R"({"location":{"country":"FR"},"source":"geoip"})"), c, taxonomy(), {}, T0);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().path == "source");
  CHECK(p.country == "ES");  // all or nothing
}

TEST_CASE("country and region codes are read in any case and kept upper case") {
  Profile p;
  Consent c = everything();
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"es","region":"es-an"}})"), c, taxonomy(), {}, T0).ok());
  CHECK(p.country == "ES");
  CHECK(p.region == "ES-AN");
}

TEST_CASE("every item expires after its category's retention and is purged") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.retention_interests = 10;
  r.retention_purchases = 20;
  r.retention_location = 30;
  r.retention_occasions = 40;
  view(p, c, {"outdoor"}, T0);
  view(p, c, {"cooking"}, T0 + 5 * DAY);
  record_visit(p, c, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", {}, ""}, c, taxonomy(), r, T0);
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"ES"},"occasions":{"birthdayMonth":4},"likes":["trail-running"]})"),
                  c, taxonomy(), r, T0)
              .ok());
  CHECK(item_count(p) == 7);

  purge_expired(p, r, T0 + 10 * DAY);
  CHECK(p.interests.size() == 1);  // outdoor expired, cooking was seen later
  CHECK(p.visits.count == 0);
  CHECK(p.declared.empty());  // a like is an interest: kept as long as interests
  CHECK(p.purchases.size() == 1);
  purge_expired(p, r, T0 + 21 * DAY);
  CHECK(p.interests.empty());
  CHECK(p.purchases.empty());
  CHECK_FALSE(p.country.empty());
  purge_expired(p, r, T0 + 30 * DAY);
  CHECK(p.country.empty());
  CHECK(p.birthday_month == 4);
  purge_expired(p, r, T0 + 40 * DAY);
  CHECK(item_count(p) == 0);
}

TEST_CASE("a config changed between visits: what it no longer allows leaves the stored profile") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.item_level_purchases = true;
  for (int i = 0; i < 3; ++i) view(p, c, {"outdoor", "cooking", "trail-running"}, T0);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"],"dislikes":["outdoor"]})"), c, taxonomy(), r, T0).ok());
  ingest_purchase(p, PurchaseEvent{"cooking", 30.0, "wok"}, c, taxonomy(), r, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", 80.0, "trail shoe"}, c, taxonomy(), r, T0);
  REQUIRE(p.purchase_items.size() == 2);
  CHECK_FALSE(conform_to_config(p, taxonomy(), r));  // nothing changed: nothing goes

  // The next version of the site's config marks cooking sensitive, drops
  // outdoor from the taxonomy and stops asking for item-level purchases.
  Taxonomy next;
  next.interests = {{"trail-running", "Trail running", ""}, {"cooking", "Cooking", "health"}};
  r.item_level_purchases = false;
  CHECK(conform_to_config(p, next, r));
  REQUIRE(p.interests.size() == 1);
  CHECK(p.interests[0].id == "trail-running");
  CHECK(p.declared.empty());  // the like of cooking and the dislike of outdoor went with them
  REQUIRE(p.purchases.size() == 1);
  CHECK(p.purchases[0].category == "shoes");  // a purchase named like a sensitive interest goes
  CHECK(p.purchase_items.empty());
  CHECK(parse_canonical(profile_view(p, r, T0)).dump().find("cooking") == std::string::npos);
}

TEST_CASE("a config whose bounds shrank between visits holds them at load") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;
  for (int i = 0; i < 4; ++i) view(p, c, {"outdoor", "cooking", "trail-running"}, T0 + i * DAY);
  record_visit(p, c, T0);
  REQUIRE(item_count(p) == 4);
  r.max_items = 2;
  CHECK(conform_to_config(p, taxonomy(), r));
  CHECK(item_count(p) == 2);
}

TEST_CASE("times written while the visitor's clock ran ahead count from when it was put right") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.retention_interests = 10;
  r.retention_purchases = 20;
  const int64_t ahead = T0 + 365 * DAY;  // the clock was a year ahead
  for (int i = 0; i < 3; ++i) view(p, c, {"outdoor"}, ahead);
  record_visit(p, c, ahead);
  ingest_purchase(p, PurchaseEvent{"shoes", {}, ""}, c, taxonomy(), r, ahead);
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"ES"}})"), c, taxonomy(), r, ahead).ok());

  CHECK(purge_expired(p, r, T0));  // put right: nothing is "later" than now any more
  CHECK(p.interests[0].last_ms == T0);
  CHECK(p.visits.first_day == day_of(T0));
  CHECK(p.purchases[0].last_day == day_of(T0));
  CHECK(p.location_provenance.at_ms == T0);
  CHECK_FALSE(purge_expired(p, r, T0 + DAY));
  purge_expired(p, r, T0 + 10 * DAY);  // the interests' 10 days, not 375
  CHECK(p.interests.empty());
  CHECK(p.visits.count == 0);
  purge_expired(p, r, T0 + 20 * DAY);
  CHECK(p.purchases.empty());
}

TEST_CASE("an expired interest no longer counts, even before a purge") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;
  for (int i = 0; i < 5; ++i) view(p, c, {"outdoor"}, T0);
  CHECK(interest_score(p, "outdoor", r, T0 + 179 * DAY).has_value());
  CHECK_FALSE(interest_score(p, "outdoor", r, T0 + 180 * DAY).has_value());
  CHECK(parse_canonical(profile_view(p, r, T0 + 180 * DAY))["interests"].empty());
}

TEST_CASE("bounds drop the least valuable items, never fail") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.max_items = 10;
  Taxonomy big;
  for (int i = 0; i < 30; ++i) big.interests.push_back({"i" + std::to_string(i), "x", ""});
  // i0 seen three times, others once each, later ones more recently.
  for (int k = 0; k < 3; ++k) ingest_view(p, ViewEvent{{"i0"}, "page"}, c, big, r, T0);
  for (int i = 1; i < 30; ++i) ingest_view(p, ViewEvent{{"i" + std::to_string(i)}, "page"}, c, big, r, T0 + i * DAY);
  CHECK(item_count(p) == 10);
  bool kept_strong = false, kept_old_weak = false;
  for (const auto& s : p.interests) {
    kept_strong |= s.id == "i0";
    kept_old_weak |= s.id == "i1";
  }
  CHECK(kept_strong);
  CHECK_FALSE(kept_old_weak);

  r.max_bytes = 4096;
  r.max_items = 10000;
  for (int i = 0; i < 200; ++i) ingest_view(p, ViewEvent{{"i" + std::to_string(i % 30)}, "page"}, c, big, r, T0 + 40 * DAY);
  r.item_level_purchases = true;
  for (int i = 0; i < 200; ++i) ingest_purchase(p, PurchaseEvent{"shoes", 10.0, "a fairly long item name " + std::to_string(i)}, c, taxonomy(), r, T0 + 41 * DAY);
  enforce_bounds(p, r);
  CHECK(profile_state_to_json(p).size() <= 4096);
  // Item-level detail goes first; the interests survive.
  CHECK(p.purchase_items.size() < 200);
  CHECK(p.interests.size() == 30);
}

TEST_CASE("items are removed by id, one category at a time, or all of a category") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.item_level_purchases = true;
  view(p, c, {"outdoor", "cooking"}, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", {}, "boot"}, c, taxonomy(), r, T0);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"],"occasions":{"birthdayMonth":4}})"), c, taxonomy(), r, T0).ok());
  CHECK(remove_item(p, "interest:outdoor"));
  CHECK_FALSE(remove_item(p, "interest:outdoor"));
  CHECK(remove_item(p, "like:cooking"));
  CHECK(remove_item(p, "purchase:1"));
  CHECK(remove_item(p, "birthdayMonth"));
  CHECK_FALSE(remove_item(p, "nonsense"));
  CHECK(p.interests.size() == 1);
  CHECK(p.purchases.size() == 1);
  clear_category(p, Category::purchases);
  CHECK(p.purchases.empty());
}

TEST_CASE("the profile view shows every item with category, provenance and expiry") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  view(p, c, {"outdoor"}, T0);
  record_visit(p, c, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", {}, ""}, c, taxonomy(), r, T0);
  REQUIRE(declare(p, json::parse(R"({"location":{"country":"ES"},"occasions":{"birthdayMonth":4}})"), c, taxonomy(),
                  r, T0)
              .ok());
  json v = parse_canonical(profile_view(p, r, T0));
  REQUIRE(v["interests"].size() == 2);
  json interest = v["interests"][0];
  CHECK(interest["id"] == "interest:outdoor");
  CHECK(interest["category"] == "interests");
  CHECK(interest["kind"] == "inferred-interest");
  CHECK(interest["value"]["usedForTargeting"] == false);  // one view is below the evidence minimum
  CHECK(interest["provenance"] == json{{"source", "page"}, {"at", "2025-02-19T21:20:00Z"}});
  CHECK(interest["expires"] == iso_time(T0 + 180 * DAY));
  CHECK(v["interests"][1]["value"]["firstVisit"] == "2025-02-19");
  CHECK(v["purchases"][0]["value"] == json{{"category", "shoes"}, {"count", 1}, {"lastPurchase", "2025-02-19"}});
  CHECK(v["location"][0]["value"] == json{{"country", "ES"}});
  CHECK(v["occasions"][0]["value"] == 4);
  CHECK(v["occasions"][0]["use"].is_string());  // shown with how it will be used
}

TEST_CASE("the profile view says an inferred interest is used for targeting only when nothing declared overrides it") {
  Profile p;
  Consent c = personalized();
  ProfileRules r;
  for (int i = 0; i < 5; ++i) view(p, c, {"outdoor", "cooking"}, T0);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"]})"), c, taxonomy(), r, T0).ok());
  json view_now = parse_canonical(profile_view(p, r, T0)), used = json::object();
  for (const auto& item : view_now["interests"]) {
    if (item["kind"] == "inferred-interest") used[item["value"]["interest"].get<std::string>()] = item["value"]["usedForTargeting"];
  }
  CHECK(used == json::parse(R"({"outdoor": true, "cooking": false})"));  // for cooking, the like is used instead
}

TEST_CASE("profile state round-trips, and a damaged one names the problem") {
  Profile p;
  Consent c = everything();
  ProfileRules r;
  r.item_level_purchases = true;
  for (int i = 0; i < 3; ++i) view(p, c, {"outdoor"}, T0 + i);
  record_visit(p, c, T0);
  ingest_purchase(p, PurchaseEvent{"shoes", 12.5, "boot"}, c, taxonomy(), r, T0);
  REQUIRE(declare(p, json::parse(R"({"likes":["cooking"],"location":{"country":"US","region":"NY"},
      "occasions":{"birthdayMonth":12}})"), c, taxonomy(), r, T0).ok());
  json state = parse_canonical(profile_state_to_json(p));
  auto back = profile_state_from_json(state);
  REQUIRE(back.ok());
  CHECK(parse_canonical(profile_state_to_json(*back)) == state);
  CHECK(profile_view(*back, r, T0 + DAY) == profile_view(p, r, T0 + DAY));
  json shown = parse_canonical(profile_view(p, r, T0 + DAY));  // likes, a priced item, a region: every optional member
  CHECK(shown["purchases"].size() == 2);
  CHECK(shown["location"][0]["value"]["region"].is_string());

  json bad = state;
  bad["interests"][0]["w"] = "heavy";
  CHECK(profile_state_from_json(bad).error().to_string() == "interests[0].w: must be a number");
  bad = state;
  bad["birthday"]["month"] = 13;
  CHECK(profile_state_from_json(bad).error().to_string() == "birthday.month: must be an integer 1..12");
  bad = state;
  bad["v"] = 2;
  CHECK(profile_state_from_json(bad).error().path == "v");
  bad = state;
  bad.erase("declared");
  CHECK(profile_state_from_json(bad).error().to_string() == "declared: must be an array");
}

TEST_CASE("times are ISO 8601 in UTC") {
  CHECK(iso_time(0) == "1970-01-01T00:00:00Z");
  CHECK(iso_time(T0) == "2025-02-19T21:20:00Z");
  CHECK(iso_time(951782400000) == "2000-02-29T00:00:00Z");
  CHECK(civil_date(day_of(-1)).year == 1969);
}
