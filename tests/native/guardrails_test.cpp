// The guardrails a config meets when it loads: sensitive data never reaches a
// rule, rules read only documented attributes, templates greet and never recite.
#include <doctest/doctest.h>

#include "tactful/decide.hpp"

using namespace tactful;

namespace {

const char* const kTaxonomy = R"([{"id": "trail-running", "label": "Trail running"},
  {"id": "pregnancy-care", "label": "Pregnancy care", "sensitive": "health"}])";

// Loads one slot with one variant, returning the diagnostics.
Diagnostics load_variant(const std::string& variant) {
  Diagnostics diag;
  json root = json::parse(std::string(R"({"taxonomy": )") + kTaxonomy + R"(, "slots": [{"id": "hero", "variants": [)" +
                          variant + "]}]}");
  Taxonomy t = parse_taxonomy(root, diag);
  parse_decide_rules(root, t, diag);
  return diag;
}

bool has(const std::vector<Error>& list, const std::string& path, const std::string& words) {
  for (const auto& e : list) {
    if (e.path == path && e.message.find(words) != std::string::npos) return true;
  }
  for (const auto& e : list) MESSAGE("got: " << e.to_string());
  return false;
}

const std::string kCond = "slots[0].variants[0].condition";

}  // namespace

TEST_CASE("a rule on a sensitive interest is rejected with its path") {
  auto diag = load_variant(R"({"id": "v", "condition": {"interests.pregnancy-care": {"$gt": 0}}, "content": {"text": "x"}})");
  CHECK(has(diag.errors, kCond, "sensitive interest (health)"));
}

TEST_CASE("a rule on purchases in a sensitive interest's category is rejected with its path") {
  for (const char* field : {"count", "daysSinceLast"}) {
    auto diag = load_variant(std::string(R"({"id": "v", "condition": {"purchases.pregnancy-care.)") + field +
                             R"(": {"$gte": 1}}, "content": {"text": "x"}})");
    CHECK(has(diag.errors, kCond, "'pregnancy-care' is a sensitive interest (health)"));
  }
}

TEST_CASE("a rule on a purchase category that names a sensitive interest in its words is rejected") {
  for (const char* category : {"pregnancy_care", "pregnancy-care-kits", "prenatal_pregnancy_care"}) {
    std::string condition = std::string(R"({"id": "v", "condition": {"purchases.)") + category + R"(.count": {"$gte": 1}}})";
    CAPTURE(category);
    CHECK(has(load_variant(condition).errors, kCond, "names the sensitive interest 'pregnancy-care'"));
  }
  CHECK(load_variant(R"({"id": "v", "condition": {"purchases.trail-running-shoes.count": {"$gte": 1}}})").errors.empty());
}

TEST_CASE("a rule naming a sensitive class is rejected, wherever the word appears") {
  CHECK(has(load_variant(R"({"id": "v", "condition": {"interests.health": {"$gt": 0}}})").errors, kCond,
            "sensitive class"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"purchases.finance.count": {"$gte": 1}}})").errors, kCond,
            "sensitive class"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"page.path": {"$regex": "^/religion/"}}})").errors,
            kCond + ".page.path.$regex", "sensitive class (religion)"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"page.interests": {"$in": ["pregnancy-care"]}}})").errors,
            kCond + ".page.interests.$in[0]", "sensitive interest"));
}

TEST_CASE("a compared value naming a sensitive interest is rejected in any case, inside a pattern, or by its label") {
  CHECK(has(load_variant(R"({"id": "v", "condition": {"page.interests": {"$ini": ["PREGNANCY-CARE"]}}})").errors,
            kCond + ".page.interests.$ini[0]", "names 'pregnancy-care', a sensitive interest (health)"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"page.path": {"$regex": "^/c/pregnancy-care/"}}})").errors,
            kCond + ".page.path.$regex", "names 'pregnancy-care'"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"page.path": {"$regexi": "pregnancy care"}}})").errors,
            kCond + ".page.path.$regexi", "a sensitive interest (health)"));
  // Not a whole word: another interest.
  CHECK(load_variant(R"({"id": "v", "condition": {"page.path": {"$regex": "^/c/pregnancy-careers"}}})").ok());
}

TEST_CASE("an experiment whose weights do not add up to 1 draws a warning (GrowthBook would split equally)") {
  Diagnostics diag;
  json root = json::parse(R"({"slots": [{"id": "s", "experiment": {"key": "e"}, "variants": [
    {"id": "a", "weight": 1, "content": {"text": "a"}}, {"id": "b", "weight": 3, "content": {"text": "b"}}]}]})");
  Taxonomy t = parse_taxonomy(root, diag);
  parse_decide_rules(root, t, diag);
  CHECK(diag.ok());
  CHECK(has(diag.warnings, "slots[0].variants", "weights add up to 4, not 1"));
  Diagnostics fine;
  json even = json::parse(R"({"slots": [{"id": "s", "experiment": {"key": "e"}, "variants": [
    {"id": "a", "weight": 0.25, "content": {"text": "a"}}, {"id": "b", "weight": 0.75, "content": {"text": "b"}}]}]})");
  parse_decide_rules(even, t, fine);
  CHECK(fine.warnings.empty());
}

TEST_CASE("owner-written words naming a sensitive interest are refused in any letter case, accented ones too") {
  Diagnostics diag;
  json root = json::parse(R"({"taxonomy": [{"id": "ins", "label": {"en": "Insoles", "es": "Plantillas ortopédicas"},
    "sensitive": "health"}], "slots": [{"id": "s", "variants": [{"id": "v", "content": {"title": "PLANTILLAS ORTOPÉDICAS"},
    "reason": {"es": "Por tus Plantillas Ortopédicas."}}]}]})");
  Taxonomy t = parse_taxonomy(root, diag);
  parse_decide_rules(root, t, diag);
  CHECK(has(diag.errors, "slots[0].variants[0].content.title", "names 'ins', a sensitive interest (health)"));
  CHECK(has(diag.errors, "slots[0].variants[0].reason.es", "names 'ins'"));
  CHECK_FALSE(check_template("<p>PLANTILLAS ORTOPÉDICAS</p>", "template#t", &t).ok());
  CHECK(check_template("<p>PLANTILLAS DEPORTIVAS</p>", "template#t", &t).ok());
}

TEST_CASE("a weight that cannot split anything is said: outside an experiment, or all of them 0") {
  Diagnostics diag;
  json root = json::parse(R"({"slots": [{"id": "s", "variants": [
    {"id": "a", "weight": 0.2, "content": {"text": "a"}}, {"id": "b", "weight": 0.8, "content": {"text": "b"}}]},
    {"id": "t", "experiment": {"key": "e"}, "variants": [
    {"id": "a", "weight": 0, "content": {"text": "a"}}, {"id": "b", "weight": 0, "content": {"text": "b"}}]}]})");
  Taxonomy t = parse_taxonomy(root, diag);
  parse_decide_rules(root, t, diag);
  CHECK(has(diag.warnings, "slots[0].variants[0].weight", "used only in an experiment"));
  CHECK(has(diag.warnings, "slots[0].variants[1].weight", "used only in an experiment"));
  CHECK(has(diag.errors, "slots[1].variants", "weights add up to 0"));
  CHECK(diag.errors.size() == 1);
  CHECK(diag.warnings.size() == 2);
}

TEST_CASE("saved groups meet the same guardrails as the values they stand for") {
  Diagnostics diag;
  json root = json::parse(std::string(R"({"taxonomy": )") + kTaxonomy + R"(, "savedGroups": {
    "paths": ["/shop", "/religion/events"], "ids": ["trail-running", "pregnancy-care"]}})");
  Taxonomy t = parse_taxonomy(root, diag);
  parse_decide_rules(root, t, diag);
  CHECK(has(diag.errors, "savedGroups.paths[1]", "sensitive class (religion)"));
  CHECK(has(diag.errors, "savedGroups.ids[1]", "sensitive interest"));
  CHECK(diag.errors.size() == 2);
}

TEST_CASE("a rule value that only looks sensitive draws a warning") {
  auto diag = load_variant(R"({"id": "v", "condition": {"page.path": "/maternity"}})");
  CHECK(diag.ok());
  CHECK(has(diag.warnings, kCond + ".page.path", "looks like health"));
}

TEST_CASE("a purchase category in a rule's path that looks sensitive draws a warning") {
  auto diag = load_variant(R"({"id": "v", "condition": {"purchases.pregnancy-tests.count": {"$gte": 1}}})");
  CHECK(diag.ok());
  CHECK(has(diag.warnings, kCond, "'pregnancy-tests' looks like health"));
  CHECK(load_variant(R"({"id": "v", "condition": {"purchases.shoes.count": {"$gte": 1}}})").warnings.empty());
}

TEST_CASE("rules read only the documented attributes") {
  for (const char* ok : {R"({"interests.trail-running": {"$gte": 0.5}})", R"({"likes": "trail-running"})",
                         R"({"dislikes": {"$size": 0}})", R"({"visits.count": {"$gt": 2}})",
                         R"({"visits.daysSinceFirst": {"$lt": 30}})", R"({"purchases.shoes.count": {"$gte": 1}})",
                         R"({"purchases.shoes.daysSinceLast": {"$lt": 60}})", R"({"occasions.birthdayMonth": true})",
                         R"({"location.country": {"$in": ["ES", "FR"]}})", R"({"page.path": "/"})",
                         R"({"page.interests": "trail-running"})", R"({"viewport": "small"})",
                         R"({"consent.personalization": true})"}) {
    CAPTURE(ok);
    CHECK(load_variant(std::string(R"({"id": "v", "condition": )") + ok + "}").ok());
  }
  CHECK(has(load_variant(R"({"id": "v", "condition": {"email": {"$exists": true}}})").errors, kCond,
            "not an attribute conditions can see"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"purchases.shoes.lastItem": "black"}})").errors, kCond,
            "not an attribute"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"interests.knitting": {"$gt": 0}}})").errors, kCond,
            "not an interest in the taxonomy"));
}

TEST_CASE("a rule on an attribute that can never be present is an error, not a rule that never matches") {
  // consent.* is the six documented choices, nothing under them.
  for (const char* path : {"consent.foo", "consent.interests.x", "consent."}) {
    CAPTURE(path);
    CHECK(has(load_variant(std::string(R"({"id": "v", "condition": {")") + path + R"(": true}})").errors, kCond,
              "not an attribute conditions can see"));
  }
  for (const char* name : {"aggregate", "interests", "purchases", "location", "occasions"}) {
    CAPTURE(name);
    CHECK(load_variant(std::string(R"({"id": "v", "condition": {"consent.)") + name + R"(": true}})").ok());
  }
  // A purchase is stored only under a category id (lower case, 1-64 of a-z, 0-9, -, _).
  CHECK(has(load_variant(R"({"id": "v", "condition": {"purchases.Shoes.count": {"$gte": 1}}})").errors, kCond,
            "'Shoes' is not a purchase category"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"purchases.Health.count": {"$gte": 1}}})").errors, kCond,
            "is not a purchase category"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"purchases.trail shoes.daysSinceLast": {"$lt": 9}}})").errors,
            kCond, "is not a purchase category"));
  CHECK(load_variant(R"({"id": "v", "condition": {"purchases.trail_shoes-2.count": {"$gte": 1}}})").ok());
}

TEST_CASE("a condition error is said at the condition's path, with where inside it") {
  CHECK(has(load_variant(R"({"id": "v", "condition": {"visits.count": {"$regx": "1"}}})").errors, kCond,
            "unknown operator $regx (did you mean $regex?), in visits.count.$regx"));
}

TEST_CASE("templates may greet and suggest, never recite purchases, dates or amounts") {
  CHECK(load_variant(R"({"id": "v", "condition": {"interests.trail-running": {"$gt": 0}},
                         "content": {"title": "Because you like {{interest}}", "cta": "See more"}})")
            .ok());
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "You bought {{purchases.shoes.lastItem}}"}})").errors,
            "slots[0].variants[0].content.text", "never recite"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "You spent {{ amount }}"}})").errors,
            "slots[0].variants[0].content.text", "{{amount}} is not allowed"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"title": "Hi {{interest"}})").errors,
            "slots[0].variants[0].content.title", "unterminated"));
}

TEST_CASE("a placeholder needs a rule that gives it something to name") {
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "Because you like {{interest}}"}})").errors,
            "slots[0].variants[0]", "reads no interest"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "More {{like}}"}})").errors, "slots[0].variants[0]",
            "does not read likes"));
}

TEST_CASE("config content is text: no markup, no profile values in links or images") {
  CHECK(has(load_variant(R"({"id": "v", "content": {"html": "<b>hi</b>"}})").errors,
            "slots[0].variants[0].content.html", "text only"));
  CHECK(has(load_variant(R"({"id": "v", "condition": {"interests.trail-running": {"$gt": 0}},
                             "content": {"href": "/shop?i={{interest}}"}})")
                .errors,
            "slots[0].variants[0].content.href", "not allowed here"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"href": "javascript:void 0"}})").errors,
            "slots[0].variants[0].content.href", "web address"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"subtitle": "x"}})").errors,
            "slots[0].variants[0].content.subtitle", "unknown content field"));
}

TEST_CASE("a content address is refused unless the page would use it as given (http, https or relative)") {
  // The page shows a link or image only at an address it accepts (js/slots.js, safeUrl); any
  // other would quietly become '#' or no image, so lint says so instead.
  for (const char* bad : {R"({"href": "mailto:shop@example.com"})", R"({"href": "tel:+34900000000"})",
                          R"({"image": "data:image/png;base64,AAAA"})", R"({"href": "sale page.html"})",
                          R"({"href": " /c/trail"})", R"({"href": ""})", R"({"image": "java\tscript:x"})",
                          // Another origin, as the browser reads them: a backslash is '/', tabs and newlines go.
                          R"({"image": "//evil.example/pixel.png"})", R"({"image": "/\\evil.example/pixel.png"})",
                          R"({"href": "/\t/evil.example"})", R"({"href": "/\n/evil.example"})"}) {
    std::string shown = bad;
    CAPTURE(shown);
    auto diag = load_variant(std::string(R"({"id": "v", "content": )") + bad + "}");
    REQUIRE(diag.errors.size() == 1);
    CHECK(diag.errors[0].message.find("http, https or a relative path") != std::string::npos);
  }
  for (const char* good : {R"({"href": "/c/trail"})", R"({"href": "HTTPS://shop.example/x?a=1#b"})",
                           R"({"href": "../sale"})", R"({"href": "sale.html?c=trail&x=%20"})", R"({"href": "#top"})",
                           R"({"image": "img/trail.jpg"})", R"({"image": "/img/ä.jpg"})"}) {
    std::string shown = good;
    CAPTURE(shown);
    CHECK(load_variant(std::string(R"({"id": "v", "content": )") + good + "}").errors.empty());
  }
}

TEST_CASE("page <template> content meets the same check, and placeholders fill text only") {
  CHECK(check_template("<p class=\"hi\">Because you like <b>{{interest}}</b></p>", "template#t").ok());
  auto recite = check_template("<p>Your order of {{amount}}</p>", "template#t");
  REQUIRE_FALSE(recite.ok());
  CHECK(recite.error().path == "template#t");
  CHECK(recite.error().message.find("never recite") != std::string::npos);
  CHECK_FALSE(check_template("<a href=\"/s/{{interest}}\">go</a>", "t").ok());
  CHECK_FALSE(check_template("<input value=\"{{like}}\">", "t").ok());
  CHECK_FALSE(check_template("<textarea>{{like}}</textarea>", "t").ok());
  CHECK_FALSE(check_template("<select><option>{{interest}}</option></select>", "t").ok());
  CHECK(check_template("<textarea></textarea><p>{{like}}</p>", "t").ok());
  // An editable region is a form field too: what the visitor can edit is never filled from the profile.
  for (const char* editable : {"<div contenteditable>{{like}}</div>", "<div CONTENTEDITABLE=\"true\"><p>{{interest}}</p></div>",
                               "<p>Hi {{like}}</p><span contenteditable=plaintext-only>note</span>"}) {
    auto refused = check_template(editable, "template#t");
    CAPTURE(editable);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("editable") != std::string::npos);
  }
  CHECK(check_template("<div contenteditable=\"false\"><p>{{like}}</p></div>", "t").ok());
  CHECK(check_template("<div contenteditable>note</div>", "t").ok());
}

TEST_CASE("owner-written words never name a sensitive interest, by id or label, in any case") {
  CHECK(has(load_variant(R"({"id": "v", "content": {"title": "New PREGNANCY CARE picks for you"}})").errors,
            "slots[0].variants[0].content.title", "'pregnancy-care', a sensitive interest (health)"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"href": "/shop/pregnancy-care"}})").errors,
            "slots[0].variants[0].content.href", "sensitive interest"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "x"}, "reason": {"en": "You read about pregnancy care."}})")
                .errors,
            "slots[0].variants[0].reason.en", "sensitive interest"));
  // Words of the label alone, or inside other words, are not the interest.
  CHECK(load_variant(R"({"id": "v", "content": {"title": "Skin care for trail runners", "text": "Pregnancy-careless"}})")
            .ok());

  Diagnostics diag;
  Taxonomy t = parse_taxonomy(json::parse(std::string(R"({"taxonomy": )") + kTaxonomy + "}"), diag);
  auto named = check_template("<p>Our <b>Pregnancy care</b> range</p>", "template#t", &t);
  REQUIRE_FALSE(named.ok());
  CHECK(named.error().path == "template#t");
  CHECK(named.error().message.find("sensitive interest (health)") != std::string::npos);
  CHECK_FALSE(check_template("<img alt=\"pregnancy-care\" src=\"/a.png\">", "t", &t).ok());
  CHECK(check_template("<p>Because you like {{interest}}</p>", "t", &t).ok());
}

// A slot's label is what the privacy panel calls it ("not now" to suggestions in ...).
TEST_CASE("a slot's label is a text for visitors: a string or one per language, no placeholders, nothing sensitive") {
  auto slot_labelled = [](const std::string& label) {
    Diagnostics diag;
    json root = json::parse(std::string(R"({"taxonomy": )") + kTaxonomy + R"(, "slots": [{"id": "hero", "label": )" +
                            label + R"(, "variants": [{"id": "v", "content": {"text": "x"}}]}]})");
    Taxonomy t = parse_taxonomy(root, diag);
    parse_decide_rules(root, t, diag);
    return diag;
  };
  CHECK(slot_labelled(R"("The home page's banner")").ok());
  CHECK(slot_labelled(R"({"en": "The home page's banner", "es": "El banner de la portada"})").ok());
  CHECK(has(slot_labelled("5").errors, "slots[0].label", "must be a string or an object of strings per language"));
  CHECK(has(slot_labelled(R"({"en": 5})").errors, "slots[0].label.en", "must be a string"));
  CHECK(has(slot_labelled(R"({"en": "For {{interest}} fans"})").errors, "slots[0].label.en",
            "placeholder {{interest}} is not allowed here"));
  CHECK(has(slot_labelled(R"("Pregnancy care corner")").errors, "slots[0].label", "sensitive interest (health)"));
  CHECK(has(slot_labelled(R"({"fr": "La bannière"})").warnings, "slots[0].label.fr", "unknown language"));
  CHECK(has(slot_labelled(R"("x", "lable": "y")").errors, "slots[0].lable", "unknown slot key (expected id, label,"));
}

TEST_CASE("typos in slots and variants are errors, not silent defaults") {
  CHECK(has(load_variant(R"({"id": "v", "condtion": {"viewport": "small"}})").errors, "slots[0].variants[0].condtion",
            "unknown variant key"));
  CHECK(has(load_variant(R"({"id": "v", "caps": {"perDay": 0}})").errors, "slots[0].variants[0].caps.perDay",
            "integer from 1"));
  CHECK(has(load_variant(R"({"id": "v", "weight": -1})").errors, "slots[0].variants[0].weight", ">= 0"));
  CHECK(has(load_variant(R"({"id": "v", "content": {"text": "a"}, "template": "t"})").errors,
            "slots[0].variants[0].template", "not both"));
  CHECK(has(load_variant(R"({"id": "v"}, {"id": "v"})").errors, "slots[0].variants[1].id", "duplicate variant id"));
  CHECK(has(load_variant(R"({"id": "default"})").errors, "slots[0].variants[0].id", "reserved"));
}

TEST_CASE("page-level settings are checked with their paths") {
  Diagnostics diag;
  json root = json::parse(R"({"holdout": 1.5, "deadlineMs": "fast", "notNowDays": 0, "page": {"maxPersonalizedSlots": -1},
    "savedGroups": {"vip": "x"}, "slots": [{"id": "a", "variants": [{"id": "v"}]}, {"id": "a", "variants": [{"id": "v"}]},
    {"id": "b", "variants": []}, {"id": "c", "variants": [{"id": "v"}], "experiment": {"key": "", "hashVersion": 3}}]})");
  parse_decide_rules(root, Taxonomy{}, diag);
  CHECK(has(diag.errors, "holdout", "from 0 to 1"));
  CHECK(has(diag.errors, "deadlineMs", "integer"));
  CHECK(has(diag.errors, "notNowDays", "integer from 1"));
  CHECK(has(diag.errors, "page.maxPersonalizedSlots", "integer from 0"));
  CHECK(has(diag.errors, "savedGroups.vip", "array"));
  CHECK(has(diag.errors, "slots[1].id", "duplicate slot id 'a'"));
  CHECK(has(diag.errors, "slots[2].variants", "non-empty array"));
  CHECK(has(diag.errors, "slots[3].experiment.key", "non-empty"));
  CHECK(has(diag.errors, "slots[3].experiment.hashVersion", "from 1 to 2"));
}

TEST_CASE("page-level settings have tactful defaults") {
  Diagnostics diag;
  auto rules = parse_decide_rules(json::object(), Taxonomy{}, diag);
  CHECK(diag.ok());
  CHECK(rules.deadline_ms == 150);
  CHECK(rules.max_personalized_slots == 3);
  CHECK(rules.holdout == 0);
  CHECK(rules.not_now_days == 30);
}
