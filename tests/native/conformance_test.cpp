// GrowthBook's specification vectors (../shared/conformance): every
// evalCondition row and every hash row, read at run time, counted.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"
#include "tactful/condition.hpp"

using tactful::json;

namespace {
json load_vectors() {
  std::ifstream in(std::string(TACTFUL_CONFORMANCE_DIR) + "/growthbook-conditions.json");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = tactful::parse_json(text.str());
  REQUIRE_MESSAGE(parsed.ok(), "cannot read growthbook-conditions.json from " TACTFUL_CONFORMANCE_DIR);
  return parsed.value();
}
}  // namespace

TEST_CASE("every GrowthBook evalCondition row decides as the specification says") {
  json vectors = load_vectors();
  const json& rows = vectors["evalCondition"];
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() > 100);
  size_t passed = 0, rejected = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    std::string name = row[0].get<std::string>();
    json groups = row.size() > 4 ? row[4] : json::object();
    tactful::Diagnostics diag;
    auto condition = tactful::compile_condition(row[1], groups, "condition", diag);
    bool expected = row[3].get<bool>();
    bool actual = condition.matches(row[2]);
    // A condition GrowthBook would quietly evaluate to false (a bad regex, $nin
    // without an array) is rejected at load here, and then matches nothing.
    if (!diag.ok()) {
      ++rejected;
      INFO("row ", i, " '", name, "' was rejected: ", diag.errors[0].to_string());
      CHECK_FALSE(expected);
    }
    INFO("row ", i, ": ", name, " ", row[1].dump());
    CHECK(actual == expected);
    if (actual == expected) ++passed;
  }
  MESSAGE("GrowthBook evalCondition conformance: " << passed << "/" << rows.size() << " rows pass ("
                                                   << rejected << " of them rejected at load, as expected false)");
  CHECK(passed == rows.size());
}

TEST_CASE("tactful eval answers every GrowthBook evalCondition row, line by line") {
  // The rows as JSON lines, through the CLI's own reading and printing: one
  // answer per line, in order, even for rows whose condition does not compile.
  json vectors = load_vectors();
  const json& rows = vectors["evalCondition"];
  std::string input;
  for (const json& row : rows) {
    json line = {{"condition", row[1]}, {"attributes", row[2]}};
    if (row.size() > 4) line["savedGroups"] = row[4];
    input += line.dump() + "\n";
  }
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = tactful::cli::run_cli({"eval"}, in, out, err);
  INFO(err.str());
  CHECK(code == 0);
  std::istringstream answers(out.str());
  std::string answer;
  size_t n = 0, passed = 0;
  for (; std::getline(answers, answer); ++n) {
    REQUIRE(n < rows.size());
    INFO("row ", n, ": ", rows[n][0].get<std::string>(), " ", rows[n][1].dump());
    CHECK(answer == (rows[n][3].get<bool>() ? "true" : "false"));
    passed += answer == (rows[n][3].get<bool>() ? "true" : "false");
  }
  CHECK(n == rows.size());
  MESSAGE("tactful eval: " << passed << "/" << rows.size() << " GrowthBook rows answered as specified");
}

TEST_CASE("every GrowthBook hash row buckets as the specification says") {
  json vectors = load_vectors();
  const json& rows = vectors["hash"];
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() > 10);
  size_t passed = 0;
  for (const auto& row : rows) {
    auto h = tactful::growthbook_hash(row[0].get<std::string>(), row[1].get<std::string>(), row[2].get<int>());
    INFO("hash(", row[0].dump(), ", ", row[1].dump(), ", ", row[2].dump(), ")");
    bool ok = row[3].is_null() ? !h.has_value() : h.has_value() && std::fabs(*h - row[3].get<double>()) < 1e-9;
    CHECK(ok);
    if (ok) ++passed;
  }
  MESSAGE("GrowthBook hash conformance: " << passed << "/" << rows.size() << " rows pass");
  CHECK(passed == rows.size());
}
