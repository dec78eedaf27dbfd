// One condition case read strictly (condition_case.hpp), for `tactful eval`
// and the engine's eval operation alike.
#include "tactful/condition_case.hpp"

#include <doctest/doctest.h>

#include "tactful/engine.hpp"

using tactful::json;

namespace {
std::string case_error(const char* text) {
  auto r = tactful::evaluate_condition_case(json::parse(text));
  return r.ok() ? "ok" : r.error().to_string();
}
}  // namespace

TEST_CASE("a condition case must say its condition, and nothing else") {
  CHECK(case_error(R"({"condition": {}, "attributes": {}, "savedGroups": {}})") == "ok");
  CHECK(case_error(R"({"condition": {"a": 1}})") == "ok");  // attributes and savedGroups optional
  CHECK(case_error(R"({})") == "condition: missing (the condition to evaluate)");
  CHECK(case_error(R"({"condition": null})") == "condition: missing (the condition to evaluate)");
  CHECK(case_error(R"({"conditon": {"a": 1}})") ==
        "conditon: unknown key (expected condition, attributes, savedGroups)");
  CHECK(case_error(R"({"condition": {}, "attributes": null})") == "attributes: must be an object, not null");
  CHECK(case_error(R"({"condition": {}, "savedGroups": []})") == "savedGroups: must be an object, not array");
  CHECK(case_error("[]") ==
        "expected an object {\"condition\": ..., \"attributes\": ..., \"savedGroups\": ...}, not array");
}

TEST_CASE("a condition that does not compile matches nothing and says why") {
  auto r =
      tactful::evaluate_condition_case(json::parse(R"({"condition": {"a": {"$nin": 1}}, "attributes": {"a": 2}})"));
  REQUIRE(r.ok());
  CHECK_FALSE(r->matches);
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0].path == "condition");
  CHECK(r->problems[0].message.find(", in a.$nin") != std::string::npos);
  auto groups = tactful::evaluate_condition_case(json::parse(R"({"condition": {"a": {"$inGroup": "none"}}})"));
  REQUIRE(groups.ok());
  CHECK(groups->problems.empty());
  CHECK(groups->warnings.size() == 1);
}

TEST_CASE("the engine's eval operation reads cases the same way") {
  tactful::Engine engine;
  CHECK(engine.call("eval", R"({"condition": {"a": 1}, "attributes": {"a": 1}})", 0, false) == R"({"result":true})");
  CHECK(engine.call("eval", R"({"attributes": {"a": 1}})", 0, false) ==
        R"x({"error":"missing (the condition to evaluate)","path":"condition"})x");
  CHECK(engine.call("eval", R"({"condition": {"a": {"$regex": "("}}})", 0, false).find(R"("result":false)") !=
        std::string::npos);
}
