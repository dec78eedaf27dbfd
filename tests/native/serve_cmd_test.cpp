// `tactful serve` refuses, before it listens, a config the browser would
// reject, a key that is not the one the config names, and nothing (or a
// missing directory) to serve.
#include <doctest/doctest.h>

#include "cli_run.hpp"
#include "site_csp.hpp"

using clitest::cli;
using clitest::contains;
using clitest::ReportingSite;
using clitest::Run;
using clitest::TempDir;
using tactful::json;

TEST_CASE("serve refuses a config lint rejects, printing lint's lines") {
  ReportingSite site;
  json bad = site.config_json;
  bad["slots"][0]["variants"][0]["condition"] = json::parse(R"({"visits.count": {"$regx": 3}})");
  bad["taxonomy"][0]["sensitive"] = "religion";
  const std::string path = site.dir.file("bad.json", bad.dump());
  Run plain = cli({"serve", "--port", "0", "--config", path});
  CHECK(plain.code == 1);
  CHECK(plain.out.empty());  // never "listening on"
  CHECK(contains(plain.err, "tactful serve: --config " + path + " is rejected by lint"));
  CHECK(contains(plain.err, "\nslots[0].variants[0].condition: unknown operator $regx"));
  // With a collector too (the template's publicKey comes from --key).
  json bad_template = bad;
  bad_template["reporting"].erase("publicKey");
  Run with_key = cli({"serve", "--port", "0", "--config", site.dir.file("bad-template.json", bad_template.dump()),
                      "--key", site.key, "--db", site.dir.path + "/db", "--token", "t", "--chart-js",
                      site.dir.file("chart.js", "")});
  CHECK(with_key.code == 1);
  CHECK(with_key.out.empty());
  CHECK(contains(with_key.err, "is rejected by lint"));
}

TEST_CASE("serve refuses a --key that is not the config's reporting.publicKey") {
  ReportingSite site, other;
  Run r = cli({"serve", "--port", "0", "--config", site.config, "--key", other.key, "--db", site.dir.path + "/db",
               "--token", "t", "--chart-js", site.dir.file("chart.js", "")});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "has reporting.publicKey of key id "));
  CHECK(contains(r.err,
                 "give the matching key, or leave publicKey (and keyId) out of the config: serve fills the key in"));
}

TEST_CASE("the site's CSP lets its pages reach a collector on another origin, and only that") {
  json config = json::parse(R"({"reporting": {"collector": "/collect"}})");
  CHECK(tactful::site_csp(config).find("connect-src 'self';") != std::string::npos);
  config["reporting"]["collector"] = "https://collect.shop.example:8443/v1/collect?site=1";
  CHECK(tactful::collector_origin(config) == "https://collect.shop.example:8443");
  CHECK(tactful::site_csp(config).find("connect-src 'self' https://collect.shop.example:8443;") != std::string::npos);
  config["reporting"]["collector"] = "http://localhost:8080";
  CHECK(tactful::collector_origin(config) == "http://localhost:8080");
  // Nothing but an origin reaches the header: no second directive from a crafted URL.
  config["reporting"]["collector"] = "https://x.example; script-src *";
  CHECK(tactful::collector_origin(config).empty());
  CHECK(tactful::site_csp(config).find("script-src *") == std::string::npos);
  CHECK(tactful::site_csp(json()).find("connect-src 'self';") != std::string::npos);
}

TEST_CASE("serve refuses to start with nothing to serve or a site directory it cannot read") {
  Run nothing = cli({"serve", "--port", "0"});
  CHECK(nothing.code == 2);
  CHECK(contains(nothing.err, "tactful serve: nothing to serve: give --site DIR"));
  Run missing = cli({"serve", "--site", "/nonexistent-site", "--port", "0"});
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "tactful serve: --site: cannot read '/nonexistent-site': No such file or directory"));
  TempDir dir;
  const std::string file = dir.file("page.html", "<p>hi</p>");
  Run not_dir = cli({"serve", "--site", dir.path, "--mount", "/x/=" + file, "--port", "0"});
  CHECK(not_dir.code == 2);
  CHECK(contains(not_dir.err, "tactful serve: --mount /x/: cannot read '" + file + "': it is not a directory"));
}

TEST_CASE("serve refuses a collector's flags without its key, rather than serve on with no collector") {
  ::unsetenv("TACTFUL_COLLECTOR_KEY");
  TempDir dir;
  const std::string file = dir.file("chart.umd.js", "");
  for (const char* flag : {"--db", "--token", "--chart-js"}) {
    // (A config that cannot be read stops serve later, were the flag let through.)
    Run r = cli({"serve", "--site", dir.path, "--port", "0", "--config", dir.path + "/missing.json", flag, file});
    CAPTURE(std::string(flag));
    CHECK(r.code == 2);
    CHECK(r.err.rfind(std::string("tactful serve: ") + flag +
                          " is for the collector, which needs --key FILE (or TACTFUL_COLLECTOR_KEY) too",
                      0) == 0);
  }
}
