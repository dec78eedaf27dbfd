// Targeting conditions: GrowthBook's rule language, compiled once at config
// load, with errors that say exactly where a rule is wrong.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "command.hpp"
#include "tactful/condition.hpp"

using tactful::Condition;
using tactful::Diagnostics;
using tactful::json;

namespace {
json j(const char* text) {
  auto parsed = tactful::parse_json(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return parsed.value();
}

Condition compile(const char* condition, const char* groups = "{}") {
  Diagnostics diag;
  Condition c = tactful::compile_condition(j(condition), j(groups), "condition", diag);
  INFO(condition);
  REQUIRE_MESSAGE(diag.ok(), (diag.ok() ? std::string() : diag.errors[0].to_string()));
  return c;
}

bool eval(const char* condition, const char* attributes, const char* groups = "{}") {
  return compile(condition, groups).matches(j(attributes));
}

// The first error compiling `condition` under the path "slots[2].variants[0].condition".
std::string first_error(const char* condition, const char* groups = "{}") {
  Diagnostics diag;
  Condition c = tactful::compile_condition(j(condition), j(groups), "slots[2].variants[0].condition", diag);
  CHECK_FALSE(c.matches(j("{}")));  // a rejected condition matches nothing
  return diag.errors.empty() ? std::string("(no error)") : diag.errors[0].to_string();
}
}  // namespace

TEST_CASE("an empty or absent condition always applies") {
  CHECK(eval("{}", "{}"));
  Diagnostics diag;
  CHECK(tactful::compile_condition(json(), json::object(), "c", diag).matches(j("{}")));
  CHECK(Condition().matches(j("{\"a\": 1}")));
  CHECK(Condition().empty());
  CHECK(compile("{}").empty());
  CHECK_FALSE(compile("{\"a\": 1}").empty());
}

TEST_CASE("dot paths reach into objects and arrays; a missing path reads as null") {
  CHECK(eval(R"({"location.country": "ES"})", R"({"location": {"country": "ES"}})"));
  CHECK(eval(R"({"interests.trail-running": {"$gte": 0.5}})", R"({"interests": {"trail-running": 0.7}})"));
  CHECK(eval(R"({"likes.1": "tea"})", R"({"likes": ["coffee", "tea"]})"));
  CHECK(eval(R"({"likes.length": 2})", R"({"likes": ["coffee", "tea"]})"));
  CHECK(eval(R"({"a.b.c": null})", R"({"a": {"b": "not an object"}})"));
  CHECK(eval(R"({"a.b": {"$exists": false}})", R"({"a": 1})"));
  CHECK(eval(R"({"$groups": {"$elemMatch": {"$eq": "a"}}})", R"({"$groups": ["a"]})"));
}

TEST_CASE("plain equality converts like JavaScript, and deep-compares arrays and objects") {
  CHECK(eval(R"({"age": "30"})", R"({"age": 30})"));           // String(30) === "30"
  CHECK_FALSE(eval(R"({"age": "30.0"})", R"({"age": 30})"));
  CHECK(eval(R"({"n": 1})", R"({"n": "1"})"));                 // "1" * 1 === 1
  CHECK(eval(R"({"n": 1})", R"({"n": true})"));
  CHECK(eval(R"({"n": 0})", R"({})"));                         // null * 1 === 0: GrowthBook's rule
  CHECK(eval(R"({"flag": true})", R"({"flag": "yes"})"));      // truthiness...
  CHECK_FALSE(eval(R"({"flag": false})", R"({})"));            // ...but never for null
  CHECK(eval(R"({"tags": "a,b"})", R"({"tags": ["a", "b"]})"));
  CHECK(eval(R"({"big": "1e+21"})", R"({"big": 1e21})"));
  CHECK(eval(R"({"small": "0.000001"})", R"({"small": 0.000001})"));
  CHECK(eval(R"({"tags": ["a", "b"]})", R"({"tags": ["a", "b"]})"));
  CHECK_FALSE(eval(R"({"tags": ["a", "b"]})", R"({"tags": ["b", "a"]})"));
  CHECK(eval(R"({"o": {"x": 1, "y": [1]}})", R"({"o": {"y": [1.0], "x": 1}})"));
  CHECK_FALSE(eval(R"({"o": {}})", R"({"o": {"x": 1}})"));
}

TEST_CASE("$eq and $ne are strict: no conversions") {
  CHECK(eval(R"({"n": {"$eq": 1}})", R"({"n": 1.0})"));
  CHECK_FALSE(eval(R"({"n": {"$eq": 1}})", R"({"n": "1"})"));
  CHECK(eval(R"({"n": {"$ne": 1}})", R"({"n": "1"})"));
  CHECK(eval(R"({"n": {"$eq": null}})", R"({})"));
}

TEST_CASE("ordering compares strings as strings and anything else as numbers") {
  CHECK(eval(R"({"n": {"$gt": 5, "$lt": 10}})", R"({"n": "8"})"));
  CHECK_FALSE(eval(R"({"n": {"$gt": "5"}})", R"({"n": "10"})"));  // "10" < "5" as text
  CHECK_FALSE(eval(R"({"n": {"$gt": 5}})", R"({"n": "many"})"));  // NaN compares false
  CHECK_FALSE(eval(R"({"n": {"$lte": 5}})", R"({"n": "many"})"));
  CHECK(eval(R"({"n": {"$lt": 5}})", R"({})"));                     // missing is null is 0
  CHECK(eval(R"({"n": {"$gte": 1}})", R"({"n": true})"));
  CHECK(eval(R"({"n": {"$gt": 255}})", R"({"n": "0xff1"})"));
  CHECK(eval(R"({"n": {"$gt": 1e308}})", R"({"n": "1e400"})"));     // Number("1e400") is Infinity
  CHECK(eval(R"({"n": {"$lt": -1e308}})", R"({"n": " -1e400 "})"));
  CHECK(eval(R"({"n": {"$gt": 0.1, "$lt": 0.3}})", R"({"n": "+.2"})"));
}

TEST_CASE("$in, $nin and their case-insensitive forms intersect with array attributes") {
  CHECK(eval(R"({"country": {"$in": ["US", "ES"]}})", R"({"country": "ES"})"));
  CHECK_FALSE(eval(R"({"country": {"$in": ["US", "ES"]}})", R"({"country": "es"})"));
  CHECK(eval(R"({"country": {"$ini": ["US", "ES"]}})", R"({"country": "es"})"));
  CHECK(eval(R"({"likes": {"$in": ["tea", "cake"]}})", R"({"likes": ["coffee", "cake"]})"));
  CHECK(eval(R"({"likes": {"$nin": ["tea"]}})", R"({"likes": ["coffee"]})"));
  CHECK_FALSE(eval(R"({"likes": {"$nini": ["TEA"]}})", R"({"likes": ["coffee", "tea"]})"));
  CHECK_FALSE(eval(R"({"n": {"$in": [1, 2]}})", R"({"n": "1"})"));  // includes() is strict
  CHECK(eval(R"({"n": {"$in": [null]}})", R"({})"));
}

TEST_CASE("the case-insensitive forms fold case as JavaScript's toLowerCase does, beyond ASCII") {
  CHECK(eval(R"({"country": {"$ini": ["españa"]}})", R"({"country": "ESPAÑA"})"));
  CHECK(eval(R"({"city": {"$ini": ["MÜNCHEN"]}})", R"({"city": "münchen"})"));
  CHECK_FALSE(eval(R"({"likes": {"$nini": ["ΟΔΟΣ"]}})", R"({"likes": ["οδος"]})"));  // the final sigma: ς
  CHECK(eval(R"({"likes": {"$alli": ["Кофе", "ÉTÉ"]}})", R"({"likes": ["été", "кофе"]})"));
  // A capital sigma inside a word lowers to σ, at its end to ς: the two words differ.
  CHECK_FALSE(eval(R"({"w": {"$ini": ["οδοσ"]}})", R"({"w": "ΟΔΟΣ"})"));
  CHECK(eval(R"({"w": {"$ini": ["σοφια"]}})", R"({"w": "ΣΟΦΙΑ"})"));
  // Letters JavaScript lowers to ASCII: the Kelvin sign is k, İ is i and a combining dot.
  CHECK(eval(R"({"unit": {"$ini": ["k"]}})", R"({"unit": "K"})"));
  CHECK_FALSE(eval(R"({"name": {"$ini": ["i"]}})", R"({"name": "İ"})"));
  CHECK(eval(R"({"name": {"$ini": ["i̇"]}})", R"({"name": "İ"})"));
  // ß has no one-letter uppercase: it stays as it is, and "SS" is not it.
  CHECK_FALSE(eval(R"({"street": {"$ini": ["strasse"]}})", R"({"street": "Straße"})"));
  // Uncased text compares as it is.
  CHECK(eval(R"({"s": {"$ini": ["中文😀"]}})", R"({"s": "中文😀"})"));
}

TEST_CASE("$all, $alli, $elemMatch, $size, $exists, $type and $not") {
  CHECK(eval(R"({"t": {"$all": ["a", {"$gt": 5}]}})", R"({"t": ["a", 9]})"));
  CHECK_FALSE(eval(R"({"t": {"$all": ["a", {"$gt": 5}]}})", R"({"t": ["a", 1]})"));
  CHECK(eval(R"({"t": {"$alli": ["A"]}})", R"({"t": ["x", "a"]})"));
  CHECK(eval(R"({"h": {"$elemMatch": {"name": {"$regex": "^ping"}}}})", R"({"h": [{"name": "pingpong"}]})"));
  // Only null elements are skipped: 0, "" and false are tested (GrowthBook's SDK since 2026).
  CHECK(eval(R"({"n": {"$elemMatch": {"$lt": 1}}})", R"({"n": [0, 5]})"));
  CHECK(eval(R"({"n": {"$elemMatch": {"$eq": 0}}})", R"({"n": [0]})"));
  CHECK(eval(R"({"t": {"$elemMatch": {"$eq": ""}}})", R"({"t": ["", "x"]})"));
  CHECK(eval(R"({"b": {"$elemMatch": {"$eq": false}}})", R"({"b": [false]})"));
  CHECK(eval(R"({"o": {"$elemMatch": {"$not": {"$eq": 1}}}})", R"({"o": [0, 1]})"));
  CHECK_FALSE(eval(R"({"n": {"$elemMatch": {"$exists": false}}})", R"({"n": [null, 5]})"));
  CHECK_FALSE(eval(R"({"n": {"$elemMatch": {"$type": "null"}}})", R"({"n": [null]})"));
  CHECK(eval(R"({"t": {"$size": {"$gte": 2}}})", R"({"t": [1, 2]})"));
  CHECK_FALSE(eval(R"({"t": {"$size": 0}})", R"({"t": "not an array"})"));
  CHECK(eval(R"({"a": {"$exists": true}})", R"({"a": 0})"));
  CHECK_FALSE(eval(R"({"a": {"$exists": true}})", R"({"a": null})"));
  CHECK(eval(R"({"a": {"$type": "array"}, "b": {"$type": "object"}, "c": {"$type": "null"}})",
             R"({"a": [], "b": {}})"));
  CHECK(eval(R"({"a": {"$not": {"$in": [1, 2]}}})", R"({"a": 3})"));
}

TEST_CASE("$and, $or, $nor and $not combine conditions") {
  const char* rule = R"({"$or": [{"visits.count": {"$gte": 3}}, {"likes": "tea"}], "$nor": [{"country": "FR"}]})";
  CHECK(eval(rule, R"({"visits": {"count": 4}, "country": "ES"})"));
  CHECK_FALSE(eval(rule, R"({"visits": {"count": 4}, "country": "FR"})"));
  CHECK_FALSE(eval(rule, R"({"visits": {"count": 1}})"));
  CHECK(eval(R"({"$or": []})", "{}"));
  CHECK_FALSE(eval(R"({"$nor": []})", "{}"));
  CHECK(eval(R"({"$and": []})", "{}"));
  CHECK(eval(R"({"$not": {"a": 1}})", R"({"a": 2})"));
}

TEST_CASE("$regex tests String(value) and $regexi ignores ASCII case") {
  CHECK(eval(R"({"page.path": {"$regex": "^/shoes/"}})", R"({"page": {"path": "/shoes/trail"}})"));
  CHECK(eval(R"({"n": {"$regex": "^12"}})", R"({"n": 123})"));
  CHECK(eval(R"({"n": {"$regex": "^null$"}})", R"({})"));
  CHECK(eval(R"({"ua": {"$regexi": "MOBILE"}})", R"({"ua": "Android mobile"})"));
}

TEST_CASE("converting text to a number trims every blank JavaScript trims, not only ASCII ones") {
  // Found by scripts/gb-diff.mjs: Number("\u00a0") is 0 in JavaScript, so a
  // missing attribute (0) is <= it, as GrowthBook answers.
  CHECK(eval(R"({"n": {"$lte": "\u00a0"}})", R"({})"));
  CHECK(eval(R"({"n": {"$gte": "\u2028"}})", R"({})"));
  CHECK(eval(R"({"n": 5})", R"({"n": "\u3000 5\ufeff\u00a0"})"));
  CHECK(eval(R"({"n": {"$gt": 4}})", R"({"n": "\u2003\u20095\u202f"})"));
  CHECK_FALSE(eval(R"({"n": 5})", R"({"n": "\u200b5"})"));  // a zero-width space is not a blank
  CHECK_FALSE(eval(R"({"n": 5})", R"({"n": "5\u00e9"})"));
}

TEST_CASE("text orders by UTF-16 code units, as in JavaScript") {
  // A character beyond U+FFFF is a surrogate pair (D83D DE00 for the emoji),
  // which sorts before U+E000..U+FFFF although its code point is larger.
  CHECK_FALSE(eval(R"({"s": {"$gt": "\uff21"}})", R"({"s": "\ud83d\ude00"})"));
  CHECK(eval(R"({"s": {"$lt": "\uff21"}})", R"({"s": "\ud83d\ude00"})"));
  CHECK(eval(R"({"s": {"$lt": "\ue000"}})", R"({"s": ["\ud83d\ude00"]})"));
  CHECK(eval(R"({"s": {"$gt": "\ud7ff"}})", R"({"s": "\ud83d\ude00"})"));  // below the surrogates: code point order
  CHECK(eval(R"({"s": {"$gt": "a\ud83d\ude00"}})", R"({"s": "a\ud83d\ude01"})"));
  CHECK(eval(R"({"s": {"$gt": "\u00e9"}})", R"({"s": "\u00ea"})"));
  CHECK(eval(R"({"v": {"$vlt": "1.0.0-\uff21"}})", R"({"v": "1.0.0-\ud83d\ude00"})"));
}

TEST_CASE("version operators compare semantic versions") {
  CHECK(eval(R"({"v": {"$vgt": "1.9.0", "$vlt": "1.10.0"}})", R"({"v": "1.9.5"})"));
  CHECK(eval(R"({"v": {"$vlt": "1.0.0"}})", R"({"v": "1.0.0-rc.1"})"));
  CHECK(eval(R"({"v": {"$veq": "2.0.0"}})", R"({"v": "v2.0.0+build7"})"));
  CHECK(eval(R"({"v": {"$vgte": 2}})", R"({"v": 3})"));
  CHECK(eval(R"({"v": {"$vlte": "0"}})", R"({})"));
}

TEST_CASE("saved groups are resolved when the condition compiles") {
  const char* groups = R"({"vip": ["ann", "bob", 7]})";
  CHECK(eval(R"({"id": {"$inGroup": "vip"}})", R"({"id": "bob"})", groups));
  CHECK(eval(R"({"id": {"$inGroup": "vip"}})", R"({"id": 7})", groups));
  CHECK(eval(R"({"id": {"$notInGroup": "vip"}})", R"({"id": "cy"})", groups));
  Diagnostics diag;
  auto c = tactful::compile_condition(j(R"({"id": {"$notInGroup": "nope"}})"), j(groups), "rule", diag);
  CHECK(diag.ok());
  REQUIRE(diag.warnings.size() == 1);
  CHECK(diag.warnings[0].to_string() == "rule.id.$notInGroup: unknown saved group 'nope': treated as empty");
  CHECK(c.matches(j(R"({"id": "ann"})")));
}

TEST_CASE("a mistake in a condition is an error at the condition's path, saying where inside it") {
  CHECK(first_error(R"({"country": {"$regx": "^U"}})") ==
        "slots[2].variants[0].condition: unknown operator $regx (did you mean $regex?), in country.$regx");
  CHECK(first_error(R"({"$regx": "^U"})") ==
        "slots[2].variants[0].condition: unknown operator $regx (did you mean $regex?), in $regx");
  CHECK(first_error(R"({"$in": ["US"]})").find("must be applied to an attribute") != std::string::npos);
  CHECK(first_error(R"({"$or": [{"a": 1}, {"b": {"$in": "US"}}]})") ==
        "slots[2].variants[0].condition: $in needs an array, not string, in $or[1].b.$in");
  CHECK(first_error(R"({"$and": {"a": 1}})") == "slots[2].variants[0].condition: $and needs an array of conditions, in $and");
  CHECK(first_error(R"({"$or": [3]})") == "slots[2].variants[0].condition: a condition must be an object, not number, in $or[0]");
  CHECK(first_error(R"({"ua": {"$regex": "(?<=a)b"}})").rfind("slots[2].variants[0].condition: unsupported", 0) == 0);
  CHECK(first_error(R"({"a": {"$gt": [1]}})") == "slots[2].variants[0].condition: $gt needs a number or a string, not array, in a.$gt");
  CHECK(first_error(R"({"a": {"$eq": {"x": 1}}})").find("$eq needs one value") != std::string::npos);
  CHECK(first_error(R"({"a": {"$type": "int"}})").find("$type needs one of") != std::string::npos);
  CHECK(first_error(R"({"a": {"$in": [[1]]}})").find("only strings, numbers") != std::string::npos);
  CHECK(first_error(R"({"a": {"$gt": 1, "b": 2}})").find("mixed with plain keys") != std::string::npos);
  CHECK(first_error(R"({"a": {"$elemMatch": {"b": {"$nope": 1}}}})") ==
        "slots[2].variants[0].condition: unknown operator $nope (did you mean $ne?), in a.$elemMatch.b.$nope");
  CHECK(first_error(R"({"a": {"$inGroup": "g"}})", R"({"g": "x"})").find("must be an array") != std::string::npos);
  CHECK(first_error("[1]") == "slots[2].variants[0].condition: a condition must be an object, not array");
  // $or is a known operator, but not one that tests a value: say so rather than "unknown".
  CHECK(first_error(R"({"likes": {"$elemMatch": {"$or": [{"$eq": "tea"}]}}})") ==
        "slots[2].variants[0].condition: $or combines conditions, so it cannot test a value: put it around them, "
        "as in {\"$or\": [{\"likes\": ...}, ...]}, in likes.$elemMatch.$or");
  CHECK(first_error(R"({"n": {"$and": [{"$gt": 1}]}})").find("$and combines conditions") != std::string::npos);
  // GrowthBook 1.x's saved-group references: refused, not read as an attribute named "$savedGroup".
  CHECK(first_error(R"({"$or": [{"$savedGroup": {"id": "vip"}}]})") ==
        "slots[2].variants[0].condition: $savedGroup references are not supported: use "
        "{\"attribute\": {\"$inGroup\": \"group id\"}}, in $or[0].$savedGroup");
}

TEST_CASE("absurdly deep nesting is refused instead of exhausting the stack") {
  std::string deep = R"({"a": 1})";
  for (int i = 0; i < 200; ++i) deep = R"({"$not": )" + deep + "}";
  CHECK(first_error(deep.c_str()).find("nested too deeply") != std::string::npos);
  std::string fine = R"({"a": 1})";
  for (int i = 0; i < 20; ++i) fine = R"({"$not": )" + fine + "}";
  CHECK(eval(fine.c_str(), R"({"a": 1})"));
}

TEST_CASE("a condition lists every attribute path it reads") {
  auto c = compile(R"({"$or": [{"interests.health": {"$gt": 0}}, {"visits.count": 2}],
                       "$not": {"location.country": "US"}, "likes": {"$elemMatch": {"name": "tea"}},
                       "visits.count": {"$gte": 1}})");
  auto paths = c.attribute_paths();
  std::sort(paths.begin(), paths.end());
  CHECK(paths == std::vector<std::string>{"interests.health", "likes", "likes.name", "location.country", "visits.count"});
}

TEST_CASE("a compiled condition no longer needs its JSON") {
  Condition c;
  {
    json rule = j(R"({"location.country": {"$in": ["ES", "MX"]}, "interests.sports": {"$gt": 0.5}})");
    Diagnostics diag;
    c = tactful::compile_condition(rule, json::object(), "rule", diag);
  }
  CHECK(c.matches(j(R"({"location": {"country": "MX"}, "interests": {"sports": 0.8}})")));
  CHECK_FALSE(c.matches(j(R"({"location": {"country": "MX"}, "interests": {"sports": 0.2}})")));
}

TEST_CASE("a snapshot of the attributes answers exactly as the attributes do") {
  json attributes = j(R"({"likes": ["tea", "cake"], "visits": {"count": 3}, "page": {"path": "/a"}})");
  tactful::AttributeSnapshot snapshot(attributes);
  for (const char* rule : {R"({"likes.length": 2, "visits.count": {"$gt": 2}})", R"({"visits.count": 4})",
                           R"({"$or": [{"page.path": "/b"}, {"likes": {"$elemMatch": {"$eq": "tea"}}}]})",
                           R"({"missing.path": null, "visits.count": 3})", R"({"likes.length": 3})"}) {
    Condition c = compile(rule);
    INFO(rule);
    CHECK(c.matches(snapshot) == c.matches(attributes));
    CHECK(c.matches(snapshot) == c.matches(attributes));  // second read comes from the snapshot
  }
  CHECK(compile(R"({"likes.length": 2, "visits.count": 3})").matches(snapshot));
}

TEST_CASE("a page of 200 slots x 3 rules, read through one attribute snapshot, matches as each rule alone") {
  std::vector<Condition> rules;
  for (int i = 0; i < 200; ++i) {
    std::string rule = R"({"location.country": {"$in": ["US", "CA", "GB", "ES", "MX", "DE"]}, )"
                       R"("interests.sports": {"$gt": )" + std::to_string((i % 9) / 10.0) +
                       R"(}, "visits.count": {"$gte": )" + std::to_string(i % 7) + "}}";
    Diagnostics diag;
    rules.push_back(tactful::compile_condition(j(rule.c_str()), json::object(), "rule", diag));
  }
  json attributes = j(R"({"location": {"country": "ES"}, "interests": {"sports": 0.45, "trail-running": 0.8},
                          "visits": {"count": 4, "daysSinceFirst": 12}, "likes": ["tea"], "viewport": "large"})");
  int pages = 3, shown = 0;
  for (int p = 0; p < pages; ++p) {
    tactful::AttributeSnapshot page(attributes);
    for (const auto& r : rules) {
      bool alone = r.matches(attributes);
      CHECK(r.matches(page) == alone);
      shown += alone;
    }
  }
  int expected = 0;  // ES is listed; sports 0.45 beats thresholds 0.0-0.4; 4 visits meet 0-4
  for (int i = 0; i < 200; ++i) expected += (i % 9) <= 4 && (i % 7) <= 4;
  CHECK(shown == pages * expected);
}

TEST_CASE("tactful eval answers every line on its own stdout line and names bad lines") {
  std::istringstream in(
      R"({"condition": {"likes": {"$in": ["tea"]}}, "attributes": {"likes": ["tea", "cake"]}})"
      "\n"
      R"({"condition": {"id": {"$inGroup": "g"}}, "attributes": {"id": 3}, "savedGroups": {"g": [1, 2]}})"
      "\n"
      "{oops\n"
      R"({"condition": {"a": {"$regx": "^x"}}, "attributes": {}})"
      "\n\n"
      R"({"condition": {}, "attributes": {}})"
      "\n"
      R"({"conditon": {"a": 1}, "attributes": {"a": 2}})"
      "\n"
      R"({"attributes": {}})"
      "\n"
      R"({"condition": null})"
      "\n"
      R"([1, 2])"
      "\n"
      R"({"condition": {}, "attributes": []})"
      "\n");
  std::ostringstream out, err;
  int code = tactful::cli::run_cli({"eval"}, in, out, err);
  CHECK(code == 1);  // bad lines, reported once every line has its answer
  CHECK(out.str() == "true\nfalse\nfalse\nfalse\nfalse\ntrue\nfalse\nfalse\nfalse\nfalse\nfalse\n");
  const std::string e = err.str();
  CAPTURE(e);
  CHECK(e.find("line 3: invalid JSON") != std::string::npos);
  // A condition that does not compile is false, as in GrowthBook, with why.
  CHECK(e.find("line 4: condition: unknown operator $regx") != std::string::npos);
  CHECK(e.find("line 5: empty line") != std::string::npos);
  // A typo in "condition" is not the empty condition (which would be true).
  CHECK(e.find("line 7: conditon: unknown key") != std::string::npos);
  CHECK(e.find("line 8: condition: missing") != std::string::npos);
  CHECK(e.find("line 9: condition: missing") != std::string::npos);
  CHECK(e.find("line 10: expected an object") != std::string::npos);
  CHECK(e.find("line 11: attributes: must be an object, not array") != std::string::npos);
  CHECK(e.find("7 bad line(s)") != std::string::npos);

  // Conditions that do not compile are answers (false), not bad lines.
  std::istringstream uncompiled(R"({"condition": {"n": {"$nin": 3}}, "attributes": {"n": 2}})");
  std::ostringstream out2, err2;
  CHECK(tactful::cli::run_cli({"eval"}, uncompiled, out2, err2) == 0);
  CHECK(out2.str() == "false\n");
  CHECK(err2.str().find("line 1: condition: $nin needs an array") != std::string::npos);

  std::istringstream good(R"({"condition": {"n": {"$gt": 1}}, "attributes": {"n": 2}})");
  std::ostringstream out3, err3;
  CHECK(tactful::cli::run_cli({"eval"}, good, out3, err3) == 0);
  CHECK(out3.str() == "true\n");
  CHECK(err3.str().empty());
}
