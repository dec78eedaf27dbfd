// Every file a command reads, read one way (tools/input_file.hpp): a
// directory or a missing file says so and exits 2, the documented code for
// "cannot read", never "invalid JSON" or an empty list of reports.
#include <doctest/doctest.h>

#include "cli_run.hpp"
#include "input_file.hpp"

using clitest::cli;
using clitest::contains;
using clitest::ReportingSite;
using clitest::Run;

TEST_CASE("read_input_file names why a file cannot be read") {
  clitest::TempDir dir;
  auto ok = tactful::cli::read_input_file(dir.file("a.txt", "hello\n"));
  REQUIRE(ok.ok());
  CHECK(*ok == "hello\n");
  auto directory = tactful::cli::read_input_file(dir.path);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().message == "cannot read '" + dir.path + "': it is a directory");
  auto missing = tactful::cli::read_input_file(dir.path + "/none");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "cannot read '" + dir.path + "/none': No such file or directory");
}

TEST_CASE("every command that reads a file exits 2 when it is a directory") {
  ReportingSite site;
  const std::string d = site.dir.path;
  const std::string reports = site.dir.file("reports.txt", "");
  const tactful::cli::Args cases[] = {
      {"lint", d},
      {"report", "--config", d},
      {"aggregate", "--config", d, "--key", site.key, reports},
      {"aggregate", "--config", site.config, "--key", d, reports},
      {"aggregate", "--config", site.config, "--key", site.key, d},
      {"open-report", "--config", d, "--key", site.key},
      {"open-report", "--config", site.config, "--key", d},
      {"open-report", "--config", site.config, "--key", site.key, d},
      {"bench-open", "--config", d, "--key", site.key},
      {"bench-open", "--config", site.config, "--key", d},
      {"bench-load", "--port", "1", "--reports", d},
      {"keygen", "--show", d},
      {"serve", "--config", d},
      {"serve", "--config", site.config, "--key", d, "--db", d + "/db", "--token", "t", "--chart-js", reports},
      {"serve", "--chart-js", d},
  };
  for (const auto& args : cases) {
    Run r = cli(args);
    CAPTURE(args[0]);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "cannot read '" + d + "': it is a directory"));
  }
}

TEST_CASE("keygen names why it cannot write its key file, and exits 2") {
  clitest::TempDir dir;
  const std::string key = dir.path + "/collector.key";
  CHECK(cli({"keygen", "--out", key}).code == 0);
  Run again = cli({"keygen", "--out", key});
  CHECK(again.code == 2);
  CHECK(contains(again.err, "tactful keygen: --out: cannot write '" + key + "': it already exists (--force replaces it)"));
  Run no_dir = cli({"keygen", "--out", dir.path + "/missing/collector.key"});
  CHECK(no_dir.code == 2);
  CHECK(contains(no_dir.err, "cannot write '" + dir.path + "/missing/collector.key': No such file or directory"));
  CHECK(cli({"keygen", "--out", key, "--force"}).code == 0);
}

TEST_CASE("keygen refuses to write its key through a symbolic link, and says that is why") {
  clitest::TempDir dir;
  const std::string target = dir.path + "/elsewhere.key", link = dir.path + "/collector.key";
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);  // dangling: keygen must not create the target either
  for (const tactful::cli::Args& args : {tactful::cli::Args{"keygen", "--out", link},
                                         tactful::cli::Args{"keygen", "--out", link, "--force"}}) {
    Run r = cli(args);
    CAPTURE(args.size());
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "tactful keygen: --out: cannot write '" + link +
                              "': it is a symbolic link, and the secret key is never written through one"));
  }
  CHECK(access(target.c_str(), F_OK) != 0);
}
