// The CLI's one option reader (tools/options.hpp): every flag of every
// command strict, a bad number a usage error (exit 2) with its flag named.
#include <doctest/doctest.h>

#include <cstdlib>
#include <limits>

#include "cli_run.hpp"
#include "options.hpp"

using clitest::cli;
using clitest::contains;
using clitest::Run;
using tactful::cli::Options;
using tactful::cli::parse_whole_number;

TEST_CASE("whole numbers are digits only, within their range") {
  CHECK(*parse_whole_number("--port", "8080", 0, 65535) == 8080);
  CHECK(*parse_whole_number("--seed", "18446744073709551615", 0, std::numeric_limits<uint64_t>::max()) ==
        std::numeric_limits<uint64_t>::max());
  auto any = [](const std::string& text) {
    auto n = parse_whole_number("--seed", text, 0, std::numeric_limits<uint64_t>::max());
    return n.ok() ? std::string("ok") : n.error().to_string();
  };
  CHECK(any("abc") == "--seed: expected a whole number, got 'abc'");
  for (const char* bad :
       {"", "-1", "+1", " 1", "1 ", "1.5", "0x10", "1e3", "18446744073709551616", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK(any(bad) != "ok");
  }
  auto port = parse_whole_number("PORT", "99999", 0, 65535);
  REQUIRE_FALSE(port.ok());
  CHECK(port.error().to_string() == "PORT: expected a whole number from 0 to 65535, got '99999'");
}

TEST_CASE("options: values, switches, repeats and positionals, each problem named") {
  Options o({"--config", "c.json", "--force", "--mount", "/a/=x", "--mount", "/b/=y", "file", "--token", "--odd"},
            {{"--config", "--token"}, {"--mount"}, {"--force"}, 1});
  REQUIRE(o.ok());
  CHECK(o.text("--config") == "c.json");
  CHECK(o.text("--token") == "--odd");  // a value may start with "--" (a token can)
  CHECK(o.has("--force"));
  CHECK(o.all("--mount") == std::vector<std::string>{"/a/=x", "/b/=y"});
  CHECK(o.positionals() == std::vector<std::string>{"file"});
  CHECK(o.text("--absent", "fallback") == "fallback");

  auto error = [](const tactful::cli::Args& args) {
    Options bad(args, {{"--config", "--seed"}, {}, {"--force"}, 1});
    bad.whole("--seed", 0, 0, 10);
    return bad.error();
  };
  CHECK(error({"--config"}) == "--config: missing its value");
  CHECK(error({"--conifg", "x"}) == "unknown option '--conifg'");
  CHECK(error({"--config", "a", "--config", "b"}) == "--config given twice");
  CHECK(error({"--force", "--force"}) == "--force given twice");
  CHECK(error({"one", "two"}) == "unexpected argument 'two'");
  CHECK(error({"--seed", "11"}) == "--seed: expected a whole number from 0 to 10, got '11'");
  CHECK(error({"-", "--seed", "3"}).empty());  // "-" (stdin) is a positional

  Options missing({"--config", "c"}, {{"--config", "--key"}, {}, {}, 1});
  missing.require({"--config", "--key"});
  missing.require_positional("REPORTS_FILE");
  CHECK(missing.error() == "--key is required");  // the first problem is the one kept
  Options no_file({"--key", "k"}, {{"--key"}, {}, {}, 1});
  no_file.require({"--key"});
  no_file.require_positional("REPORTS_FILE");
  CHECK(no_file.error() == "REPORTS_FILE is required");
}

TEST_CASE("every numeric flag is read strictly: a clear error and exit 2, never a crash or a default") {
  struct Case {
    tactful::cli::Args args;
    std::string message;
  };
  const Case cases[] = {
      {{"report", "--config", "c.json", "--seed", "abc"}, "tactful report: --seed: expected a whole number, got 'abc'"},
      {{"report", "--config", "c.json", "--seed"}, "tactful report: --seed: missing its value"},
      {{"report", "--seed", "1"}, "tactful report: --config is required"},
      {{"serve", "--port", "abc"}, "tactful serve: --port: expected a whole number from 0 to 65535, got 'abc'"},
      {{"serve", "--port", "99999"}, "tactful serve: --port: expected a whole number from 0 to 65535, got '99999'"},
      {{"serve", "--port"}, "tactful serve: --port: missing its value"},
      {{"bench-open", "--config", "c", "--key", "k", "--ms", "5s"},
       "tactful bench-open: --ms: expected a whole number"},
      {{"bench-open", "--config", "c", "--key", "k", "--threads", "0"}, "tactful bench-open: --threads: expected"},
      {{"bench-load", "--port", "1", "--reports", "r", "--connections", "-3"}, "tactful bench-load: --connections:"},
      {{"bench-load", "--port", "http", "--reports", "r"}, "tactful bench-load: --port: expected"},
      {{"bench-load", "--port", "1", "--reports", "r", "--per-address", ""}, "tactful bench-load: --per-address:"},
      {{"aggregate", "--config", "c", "--key", "k", "--window", "3", "r"},
       "tactful aggregate: unknown option '--window'"},
      {{"keygen", "--out"}, "tactful keygen: --out: missing its value"},
      {{"serve", "--site", ".", "--mount", "tactful/=."},
       "tactful serve: --mount: PREFIX is a URL path starting with '/', got 'tactful/'"},
      {{"keygen", "--show", "k", "--force"}, "tactful keygen: --force replaces a key file with --out; --show only"},
      {{"lint", "a.json", "b.json"}, "tactful lint: unexpected argument 'b.json'"},
      {{"eval", "--strict"}, "tactful eval: unknown option '--strict'"},
  };
  for (const auto& c : cases) {
    Run r = cli(c.args);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind(c.message, 0) == 0);
    CHECK(contains(r.err, "usage: tactful "));
  }
}

TEST_CASE("serve reads PORT as strictly as --port, which wins over it") {
  ::setenv("PORT", "xyz", 1);
  Run bad = cli({"serve", "--site", "/nonexistent"});
  // --port given: PORT is not read (and the bad --site fails later, not the port).
  Run overridden = cli({"serve", "--port", "0", "--config", "/nonexistent/config.json"});
  ::unsetenv("PORT");
  CHECK(bad.code == 2);
  CHECK(bad.err.rfind("tactful serve: PORT: expected a whole number from 0 to 65535, got 'xyz'", 0) == 0);
  CHECK(overridden.code == 2);
  CHECK(contains(overridden.err, "--config: cannot read '/nonexistent/config.json'"));
}
