// `tactful report`, `aggregate` and `open-report` on the demo config: the
// config must pass lint and report, input lines must be what a browser could
// hold, and a key that opens nothing is said to be the wrong one.
#include <doctest/doctest.h>

#include "cli_run.hpp"

using clitest::cli;
using clitest::contains;
using clitest::ReportingSite;
using clitest::Run;
using tactful::json;

TEST_CASE("report seals one report per line, and aggregate opens them") {
  ReportingSite site;
  Run sealed = cli({"report", "--config", site.config, "--seed", "7"},
                   R"({"converted": true, "topInterest": "hiking", "allowedCategories": ["interests"]})"
                   "\n"
                   R"({"started": 1700000000000, "pageViews": 3, "visits": 1, "slots": {"hero": {"last": 0,)"
                   R"( "variants": [{"id": "trail-running", "shown": 1, "clicked": true}]}}})"
                   "\n");
  INFO(sealed.err);
  REQUIRE(sealed.code == 0);
  const std::string reports = site.dir.file("reports.txt", sealed.out);
  Run agg = cli({"aggregate", "--config", site.config, "--key", site.key, reports});
  INFO(agg.err);
  REQUIRE(agg.code == 0);
  json result = json::parse(agg.out);
  CHECK(result["total"]["reports"] == 2);
  CHECK(result["rejected"] == 0);
  Run piped = cli({"aggregate", "--config", site.config, "--key", site.key, "-"}, sealed.out);  // "-": stdin
  INFO(piped.err);
  REQUIRE(piped.code == 0);
  CHECK(json::parse(piped.out)["total"]["reports"] == 2);
}

TEST_CASE("report refuses a config lint rejects, with lint's lines") {
  ReportingSite site;
  json bad = site.config_json;
  bad["slots"][0]["variants"][0]["condition"] = json::parse(R"({"visits.count": {"$regx": 3}})");
  Run r = cli({"report", "--config", site.dir.file("bad.json", bad.dump())}, "{}\n");
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "is rejected by lint (1 error"));
  CHECK(contains(r.err, "\nslots[0].variants[0].condition: unknown operator $regx"));
}

TEST_CASE("report says which part of reporting is missing") {
  ReportingSite site;
  Run template_config = cli({"report", "--config", site.template_config}, "{}\n");
  CHECK(template_config.code == 1);
  CHECK(contains(template_config.err, ": reporting.publicKey: missing: a template config seals no report"));
  json none = site.config_json;
  none.erase("reporting");
  none.erase("metrics");
  Run no_section = cli({"report", "--config", site.dir.file("none.json", none.dump())}, "{}\n");
  CHECK(no_section.code == 1);
  CHECK(contains(no_section.err, ": reporting: missing: this config sends no reports"));
}

TEST_CASE("report refuses input lines no browser could hold, naming the key") {
  ReportingSite site;
  const std::pair<const char*, const char*> cases[] = {
      {R"({"topInterest": 5})", "topInterest: must be an interest id of the taxonomy"},
      {R"({"topInterest": "knitting"})", "topInterest: 'knitting' is not in the config's taxonomy"},
      {R"({"allowedCategories": ["health"]})", "allowedCategories[0]: 'health' is not a data category"},
      {R"({"allowedCategories": "interests"})", "allowedCategories: must be an array"},
      {R"({"converted": true, "vists": 2})", "vists: unknown key"},
      {R"({"started": 1700000000})",
       "started: must be a time in milliseconds since 1970; 1700000000 looks like seconds"},
      {R"({"started": 4102444800000})", "started: 4102444800000 (2100-01-01T00:00:00Z) is in the future"},
      {R"({"lastPageView": 4102444800000})", "lastPageView: 4102444800000 (2100-01-01T00:00:00Z) is in the future"},
      {R"({"slots": {"footer": {"variants": []}}})", "slots.footer: not a slot of the config"},
      {R"({"slots": {"hero": {"variants": [{"id": "surfing", "shown": 1, "clicked": false}]}}})",
       "slots.hero.variants[0].id: 'surfing' is not a variant of slot 'hero'"},
      {R"({"pageViews": -1})", "pageViews: must be a non-negative integer"},
      {R"([])", "expected an object (a window accumulator), not array"},
  };
  for (const auto& [line, message] : cases) {
    Run r = cli({"report", "--config", site.config}, std::string("{}\n") + line + "\n");
    CAPTURE(line);
    CAPTURE(r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.err, std::string("tactful report: line 2: ") + message));
  }
}

TEST_CASE("aggregate with the wrong key, or reports that do not open, fails and says why") {
  ReportingSite site, other;
  Run sealed = cli({"report", "--config", site.config}, "{}\n{}\n{}\n");
  REQUIRE(sealed.code == 0);
  const std::string reports = site.dir.file("reports.txt", sealed.out);

  Run wrong_key = cli({"aggregate", "--config", site.config, "--key", other.key, reports});
  CHECK(wrong_key.code == 1);
  CHECK(wrong_key.out.empty());
  CHECK(contains(wrong_key.err, "but the config's reporting.publicKey is key id"));
  CHECK(contains(wrong_key.err, "is it the collector's key for this config?"));

  // The other site's own config and key: they match, but these reports were sealed for another.
  Run foreign = cli({"aggregate", "--config", other.config, "--key", other.key, reports});
  CHECK(foreign.code == 1);
  CHECK(foreign.out.empty());
  CHECK(contains(foreign.err, "none of the 3 reports opened with this key and config"));

  Run open_wrong = cli({"open-report", "--config", site.config, "--key", other.key, reports});
  CHECK(open_wrong.code == 1);
  CHECK(contains(open_wrong.err, "is it the collector's key for this config?"));
}

TEST_CASE("aggregate and open-report given no reports say so and fail, rather than print nothing useful") {
  ReportingSite site;
  const std::string blank = site.dir.file("blank.txt", "\n\r\n\n");
  for (const std::string command : {"aggregate", "open-report"}) {
    CAPTURE(command);
    const std::string nothing_to = command == "aggregate" ? "estimate" : "open";
    Run piped = cli({command, "--config", site.config, "--key", site.key, "-"}, "");
    CHECK(piped.code == 1);
    CHECK(piped.out.empty());
    CHECK(contains(piped.err, "tactful " + command + ": stdin holds no reports (no non-empty lines): nothing to " +
                                  nothing_to));
    Run file = cli({command, "--config", site.config, "--key", site.key, blank});
    CHECK(file.code == 1);
    CHECK(file.out.empty());
    CHECK(contains(file.err, "'" + blank + "' holds no reports"));
  }
}
