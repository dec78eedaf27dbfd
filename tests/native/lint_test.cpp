// `tactful lint`: the browser's validation and guardrails, for site owners.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run lint_text(const std::string& config) {
  std::istringstream in(config);
  std::ostringstream out, err;
  int code = tactful::cli::run_cli({"lint", "-"}, in, out, err);
  return {code, out.str(), err.str()};
}

Run lint_file(const std::string& path) {
  std::istringstream in;
  std::ostringstream out, err;
  int code = tactful::cli::run_cli({"lint", path}, in, out, err);
  return {code, out.str(), err.str()};
}

const std::string kFullConfig = std::string(TACTFUL_SOURCE_DIR) + "/tests/native/data/full-config.json";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the documented example config passes lint with nothing to say") {
  Run r = lint_file(kFullConfig);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  CHECK(contains(r.err, ": ok"));
}

TEST_CASE("the complete example in docs/config.md is that file, word for word") {
  // The reference says "This file is tests/native/data/full-config.json": the
  // example a site owner copies must be the one the test above lints.
  std::ifstream doc_file(std::string(TACTFUL_SOURCE_DIR) + "/docs/config.md"), data_file(kFullConfig);
  std::stringstream doc, data;
  doc << doc_file.rdbuf();
  data << data_file.rdbuf();
  std::string text = doc.str();
  size_t section = text.find("## A complete example");
  REQUIRE(section != std::string::npos);
  size_t start = text.find("```json\n", section);
  REQUIRE(start != std::string::npos);
  start += 8;
  size_t end = text.find("```", start);
  REQUIRE(end != std::string::npos);
  auto squeeze = [](std::string s) {
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n'; }), s.end());
    return s;
  };
  CHECK(squeeze(text.substr(start, end - start)) == squeeze(data.str()));
}

TEST_CASE("lint prints path: message for each error and exits non-zero") {
  // Every line starts with its path, so that a tool can split it at ": ".
  Run r = lint_text(R"({"policyVersion": "1",
    "taxonomy": [{"id": "pregnancy-care", "label": "Pregnancy care", "sensitive": "health"}],
    "slots": [{"id": "hero", "variants": [
      {"id": "a", "condition": {"interests.pregnancy-care": {"$gt": 0}}, "content": {"text": "x"}},
      {"id": "b", "condition": {"visits.count": {"$regx": "3"}}},
      {"id": "c", "content": {"text": "You spent {{amount}}"}}]}]})");
  CHECK(r.code == 1);
  CAPTURE(r.out);
  CHECK(contains("\n" + r.out, "\nslots[0].variants[0].condition: reads 'interests.pregnancy-care'"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[1].condition: unknown operator $regx"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[2].content.text: placeholder {{amount}} is not allowed"));
  CHECK(contains(r.err, "3 errors"));
  for (size_t at = 0, end; (end = r.out.find('\n', at)) != std::string::npos; at = end + 1) {
    std::string line = r.out.substr(at, end - at);
    CAPTURE(line);
    CHECK((line.rfind("slots[", 0) == 0 || line.rfind("policyVersion: warning: ", 0) == 0));
  }
}

TEST_CASE("lint names the slot, variant and place inside the condition of every rule GrowthBook would quietly answer false") {
  Run r = lint_text(R"cfg({"policyVersion": "1", "slots": [{"id": "hero", "variants": [
      {"id": "a", "condition": {"page.path": {"$regex": "^/(?=shoes)"}}},
      {"id": "b", "condition": {"$or": [{"page.path": {"$regexi": "(a)\\1"}}, {"likes": {"$elemMatch": {"$or": [{"$eq": "tea"}]}}}]}},
      {"id": "c", "condition": {"visits.count": {"$gtt": 3}, "page.path": {"$regex": "[z-a]"}}}]}]})cfg");
  CHECK(r.code == 1);
  CAPTURE(r.out);
  CHECK(contains("\n" + r.out, "\nslots[0].variants[0].condition: unsupported or invalid regex: lookahead (?=...) / (?!...) "
                              "is not supported at character 3, in page.path.$regex\n"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[1].condition: unsupported or invalid regex: backreference"));
  CHECK(contains(r.out, ", in $or[0].page.path.$regexi\n"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[1].condition: $or combines conditions, so it cannot test a value"));
  CHECK(contains(r.out, ", in $or[1].likes.$elemMatch.$or\n"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[2].condition: unknown operator $gtt (did you mean $gt?), in visits.count.$gtt\n"));
  CHECK(contains("\n" + r.out, "\nslots[0].variants[2].condition: unsupported or invalid regex: "));
  CHECK(contains(r.out, ", in page.path.$regex\n"));
  CHECK(contains(r.err, "5 errors"));
}

TEST_CASE("lint labels warnings, and warnings alone do not fail") {
  Run r = lint_text(R"({"policyVersion": "1", "taxonomy": [{"id": "maternity", "label": "Maternity wear"}]})");
  CHECK(r.code == 0);
  CHECK(r.out.rfind("taxonomy[0].id: warning: 'maternity' looks like a health interest", 0) == 0);
  CHECK(contains(r.err, "ok (1 warning)"));
}

// JSON.parse keeps the last of a repeated key without a word: an owner who
// edited the first copy saw nothing change, and nothing said why.
TEST_CASE("lint warns of a key written twice, at its object's path: the last one is used") {
  Run r = lint_text(R"({"policyVersion": "1", "slots": [{"id": "old"}],
    "slots": [{"id": "hero", "variants": [{"id": "a", "content": {"text": "x"}, "content": {"text": "y"}}]}]})");
  CHECK(r.code == 0);
  CHECK(r.out ==
        "slots[0].variants[0]: warning: the key \"content\" appears more than once; the last one is used\n"
        "warning: the key \"slots\" appears more than once; the last one is used\n");
  CHECK(contains(r.err, "ok (2 warnings)"));
}

TEST_CASE("lint applies the whole config's validation, not only the slots") {
  Run r = lint_text(R"({"policyVersion": "1", "slot": [], "profile": {"halfLifeDays": -3}})");
  CHECK(r.code == 1);
  CHECK(contains("\n" + r.out, "\nslot: "));
  CHECK(contains("\n" + r.out, "\nprofile.halfLifeDays: "));
  CHECK(lint_text("{not json").code == 1);
}

// "$schema" is there for editors, and any string passes; anything else is
// an error like any other top-level key of the wrong type.
TEST_CASE("lint takes a $schema string and refuses a $schema of any other type at its path") {
  Run ok = lint_text(R"({"$schema": "https://example.com/tactful.schema.json", "policyVersion": "1"})");
  CHECK(ok.code == 0);
  CHECK(ok.out == "");
  for (std::string value : {"5", "null", "true", "{}", "[\"a\"]"}) {
    CAPTURE(value);
    Run r = lint_text(std::string(R"({"policyVersion": "1", "$schema": )") + value + "}");
    CHECK(r.code == 1);
    CHECK(r.out == "$schema: must be a string (the URL of a JSON Schema, for editors)\n");
    CHECK(contains(r.err, "1 error"));
  }
}

TEST_CASE("lint without a readable config is a usage error") {
  CHECK(lint_file("/nonexistent/tactful.config.json").code == 2);
  Run directory = lint_file("/tmp");
  CHECK(directory.code == 2);
  CHECK(directory.err == "tactful lint: cannot read '/tmp': it is a directory\n");
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(tactful::cli::run_cli({"lint"}, in, out, err) == 2);
}
