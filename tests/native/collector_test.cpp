#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "collector.hpp"
#include "command.hpp"
#include "front_server.hpp"
#include "tactful/base64.hpp"
#include "tactful/estimate.hpp"

using namespace tactful;

namespace {

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Now: the collector's retention runs on the real clock when it opens.
const int64_t kNow = wall_clock_ms();

// Serves `server` on a free loopback port from `thread`; stop() and join() end it.
int serve_in_background(httplib::Server& server, std::thread& thread) {
  int port = server.bind_to_any_port("127.0.0.1");
  thread = std::thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

struct Site {
  std::string dir;
  PublicKey pk;
  SecretKey sk;
  json config;

  explicit Site(uint32_t min_reports = 5) {
    char tmpl[] = "/tmp/tactful-collector-XXXXXX";
    dir = mkdtemp(tmpl);
    crypto_box_keypair(pk.data(), sk.data());
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, sk.data(), sk.size(), sodium_base64_VARIANT_ORIGINAL);
    std::ofstream(dir + "/collector.key") << b64 << "\n";
    sodium_bin2base64(b64, sizeof b64, pk.data(), pk.size(), sodium_base64_VARIANT_ORIGINAL);
    config = json::parse(R"({
      "taxonomy": [{"id": "trail-running"}, {"id": "cooking"}, {"id": "gardening"}, {"id": "cycling"}],
      "slots": [{"id": "hero", "variants": [{"id": "trail"}, {"id": "kitchen"}]}],
      "reporting": {"windowSeconds": 3600, "epsilonBudget": 6, "retentionDays": 2},
      "metrics": [
        {"id": "hero-clicks", "kind": "slotShownClicked", "slot": "hero", "epsilon": 1.5},
        {"id": "top-interest", "kind": "topInterest", "epsilon": 2},
        {"id": "converted", "kind": "converted", "epsilon": 1},
        {"id": "pages", "kind": "pagesPerVisit", "epsilon": 1.5}
      ]})");
    config["reporting"]["publicKey"] = b64;
    config["reporting"]["minReportsPerCell"] = min_reports;
  }
  ~Site() { std::system(("rm -rf " + dir).c_str()); }

  CollectorOptions options() const {
    CollectorOptions o;
    o.config = config;
    o.secret_key_path = dir + "/collector.key";
    o.db_path = dir + "/aggregates.db";
    o.token = "owner-secret";
    o.rate_per_second = 1e6;
    o.rate_burst = 1e6;
    return o;
  }
  ReportRules rules() const {
    Diagnostics diag;
    return parse_report_rules(config, Taxonomy{{{"trail-running", "", ""}, {"cooking", "", ""}, {"gardening", "", ""},
                                                {"cycling", "", ""}}},
                              slot_variants_from_config(config), diag);
  }
};

std::string as_string(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// A report sealed properly around a chosen plaintext, as a hostile client could make.
std::string seal_plaintext(const ReportRules& rules, const std::vector<uint8_t>& plaintext) {
  std::vector<uint8_t> out = {kReportVersion, rules.key_id[0], rules.key_id[1], rules.key_id[2], rules.key_id[3]};
  auto sealed = seal(plaintext.data(), plaintext.size(), rules.public_key);
  out.insert(out.end(), sealed.begin(), sealed.end());
  return as_string(out);
}

std::string make_report(const ReportRules& rules, RandomSource& rng, int64_t at = kNow) {
  WindowAccumulator acc;
  acc.start(at);
  acc.observe_shown("hero", "trail");
  acc.observe_page_view(at);
  auto r = build_report(rules, acc, {{"interests"}, "cooking"}, rng);
  REQUIRE(r.ok());
  return as_string(*r);
}

// Runs SQL on a store while no collector has it open.
void sql(const std::string& db_path, const std::string& statements) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// Rows in a table of a store no collector has open.
int64_t rows_in(const std::string& db_path, const std::string& table) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &q, nullptr) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    n = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return n;
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += {digits[p[i] >> 4], digits[p[i] & 15]};
  return out;
}

uint64_t window_reports(Collector& c, int64_t now = kNow) {
  json j = c.insights_json(now);
  return j["total"]["reports"].get<uint64_t>();
}

// A collector behind the front's workers on a free loopback port, serving from its own thread.
struct FrontCollector {
  Collector collector;
  FrontServer server;
  std::thread thread;
  int port = -1;
  explicit FrontCollector(const CollectorOptions& options) : collector(options) {
    mount_collector(server, collector);
    port = server.open("127.0.0.1", 0);
    REQUIRE(port > 0);
    thread = std::thread([this] { server.run(); });
  }
  ~FrontCollector() {
    server.shut_down();
    thread.join();
  }
};

}  // namespace

TEST_CASE("a well-formed report is accepted and counted once") {
  Site site;
  Collector c(site.options());
  auto rules = site.rules();
  CHECK(c.rules().schema_id == rules.schema_id);
  std::string report = make_report(rules, secure_random());
  CHECK(c.ingest(report, "127.0.0.1", kNow) == 204);
  CHECK(window_reports(c) == 1);
  json j = c.insights_json(kNow);
  REQUIRE(j["windows"].size() == 1);
  CHECK(j["windows"][0]["window"] == kNow / 1000 / 3600);
  CHECK(j["windows"][0]["metrics"].size() == 4);
}

TEST_CASE("a replayed report is acknowledged but not counted twice") {
  Site site;
  Collector c(site.options());
  std::string report = make_report(site.rules(), secure_random());
  CHECK(c.ingest(report, "127.0.0.1", kNow) == 204);
  CHECK(c.ingest(report, "127.0.0.2", kNow) == 204);
  CHECK(c.ingest(make_report(site.rules(), secure_random()), "127.0.0.1", kNow) == 204);
  CHECK(window_reports(c) == 2);
}

TEST_CASE("malformed reports are refused with 400, oversized with 413") {
  Site site;
  Collector c(site.options());
  auto rules = site.rules();
  std::string good = make_report(rules, secure_random());

  CHECK(c.ingest(good.substr(0, good.size() - 1), "ip", kNow) == 400);        // wrong size
  CHECK(c.ingest(good + "x", "ip", kNow) == 400);
  std::string bad_seal = good;
  bad_seal[40] ^= 1;
  CHECK(c.ingest(bad_seal, "ip", kNow) == 400);                               // bad seal
  std::string bad_version = good;
  bad_version[0] = 9;
  CHECK(c.ingest(bad_version, "ip", kNow) == 400);                            // bad version (outer)
  SeededRandom rng(1);
  auto plain = encode_plaintext(rules, kNow / 1000 / 3600, {0, 0, 0, 0}, rng);
  CHECK(c.ingest(seal_plaintext(rules, plain), "ip", kNow) == 204);           // the control: it is well-formed
  auto inner_version = plain;
  inner_version[0] = 2;
  CHECK(c.ingest(seal_plaintext(rules, inner_version), "ip", kNow) == 400);   // bad version (sealed)
  auto out_of_domain = plain;
  out_of_domain[rules.metrics[2].offset] = 7;                                 // converted has 3 values
  CHECK(c.ingest(seal_plaintext(rules, out_of_domain), "ip", kNow) == 400);
  auto future = encode_plaintext(rules, kNow / 1000 / 3600 + 5, {0, 0, 0, 0}, rng);
  CHECK(c.ingest(seal_plaintext(rules, future), "ip", kNow) == 400);          // a window not yet open
  CHECK(c.ingest(std::string(5000, 'x'), "ip", kNow) == 413);
  CHECK(c.ingest("", "ip", kNow) == 400);
  CHECK(window_reports(c) == 1);
}

TEST_CASE("a report for the window after the current one is taken, one for any later window is refused") {
  Site site;
  Collector c(site.options());
  auto rules = site.rules();
  SeededRandom rng(2);
  const uint64_t current = kNow / 1000 / 3600;
  auto next = encode_plaintext(rules, current + 1, {0, 0, 0, 0}, rng);
  CHECK(c.ingest(seal_plaintext(rules, next), "ip", kNow) == 204);  // a browser whose clock is a little ahead
  auto after_next = encode_plaintext(rules, current + 2, {0, 0, 0, 0}, rng);
  CHECK(c.ingest(seal_plaintext(rules, after_next), "ip", kNow) == 400);
}

TEST_CASE("a report is never too large for its own collector, however many metrics its config has") {
  Site site;
  site.config["taxonomy"] = json::array();
  for (int i = 0; i < 2000; ++i) site.config["taxonomy"].push_back({{"id", "t" + std::to_string(i)}});
  site.config["metrics"] = json::array();
  for (int i = 0; i < 40; ++i) {
    site.config["metrics"].push_back({{"id", "m" + std::to_string(i)}, {"kind", "topInterest"}, {"epsilon", 0.1}});
  }
  Collector c(site.options());
  REQUIRE(c.rules().report_size > CollectorOptions().max_body);
  WindowAccumulator acc;
  acc.start(kNow);
  auto report = build_report(c.rules(), acc, {{"interests"}, "t1"}, secure_random());
  REQUIRE(report.ok());
  CHECK(c.ingest(as_string(*report), "ip", kNow) == 204);
  CHECK(c.ingest(std::string(c.rules().report_size + 1, 'x'), "ip", kNow) == 413);
}

TEST_CASE("a client sending too fast is rate-limited with 429, per address") {
  Site site;
  CollectorOptions o = site.options();
  o.rate_per_second = 1;
  o.rate_burst = 3;
  Collector c(o);
  auto rules = site.rules();
  for (int i = 0; i < 3; ++i) CHECK(c.ingest(make_report(rules, secure_random()), "198.51.100.7", kNow) == 204);
  CHECK(c.ingest(make_report(rules, secure_random()), "198.51.100.7", kNow) == 429);
  CHECK(c.ingest(make_report(rules, secure_random()), "198.51.100.8", kNow) == 204);
  CHECK(c.ingest(make_report(rules, secure_random()), "198.51.100.7", kNow + 1000) == 204);  // refilled
}

namespace {

// The owner's insights after `reports` visitors (make_report's) with the given minimum.
json insights_after(int reports, uint32_t min_reports) {
  Site site(min_reports);
  Collector c(site.options());
  auto rules = site.rules();
  for (int i = 0; i < reports; ++i) REQUIRE(c.ingest(make_report(rules, secure_random()), "ip", kNow) == 204);
  return c.insights_json(kNow);
}

}  // namespace

TEST_CASE("cells with fewer reports than the minimum are suppressed") {
  json j = insights_after(10, 50);
  for (const auto& m : j["total"]["metrics"]) {
    for (const auto& cell : m["cells"]) {
      CHECK(cell["suppressed"] == true);
      CHECK(cell["estimate"].is_null());
      CHECK(cell["ci95"].is_null());
    }
  }
  // Over the minimum, the larger cells show.
  json j2 = insights_after(200, 5);
  const json& top = j2["total"]["metrics"][1];
  CHECK(top["id"] == "top-interest");
  CHECK(top["cells"][1]["label"] == "cooking");
  CHECK(top["cells"][1]["suppressed"] == false);
  CHECK(top["cells"][1]["estimate"].get<double>() > 100);
  // Every visitor saw trail and none clicked: trail|clicked is hidden (its
  // estimate's noise, sd ~18 at 400 reports, stays under 60), so trail's
  // rate, which with trail|not clicked would give it back, is too; and no
  // metric hides just one cell, which its reports minus the cells shown would
  // give back, unless no browser can report that cell (a conversion's
  // "(no data)" in this config's metric, which needs no category): its true
  // count is 0 whatever is shown.
  json j3 = insights_after(400, 60);
  const json& hero = j3["total"]["metrics"][0];
  CHECK(hero["cells"][3]["label"] == "trail|clicked");
  CHECK(hero["cells"][3]["suppressed"] == true);
  CHECK(hero["rates"][1]["variant"] == "trail");
  CHECK(hero["rates"][1]["suppressed"] == true);
  CHECK(hero["rates"][1]["rate"].is_null());
  CHECK(hero["cells"][2]["suppressed"] == false);  // trail|not clicked
  for (const json* view : {&j3["total"], &j3["windows"][0]}) {
    for (const auto& m : (*view)["metrics"]) {
      int hidden = 0;
      std::string hidden_label;
      for (const auto& cell : m["cells"]) {
        if (cell["suppressed"] != true) continue;
        ++hidden;
        hidden_label = cell["label"].get<std::string>();
      }
      CAPTURE(m.dump());
      CHECK((hidden != 1 || (m["kind"] == "converted" && hidden_label == "(no data)")));
    }
  }
}

TEST_CASE("aggregates older than the retention are deleted") {
  Site site;  // retentionDays: 2
  auto rules = site.rules();
  {
    Collector c(site.options());
    CHECK(c.ingest(make_report(rules, secure_random()), "ip", kNow) == 204);
    c.apply_retention(kNow + 86400000LL);
    CHECK(window_reports(c) == 1);
    c.apply_retention(kNow + 3 * 86400000LL);
    CHECK(window_reports(c) == 0);
    CHECK(c.insights_json(kNow)["windows"].empty());
    // And a report for a window already past retention is refused.
    CHECK(c.ingest(make_report(rules, secure_random()), "ip", kNow + 3 * 86400000LL) == 400);
    // Intake and deletion draw the line at the same window: the first one
    // retention would delete is refused, the one after it kept.
    int64_t later = kNow + 2 * 86400000LL + 3600000LL;  // 2 days and 1 window later
    uint64_t oldest = c.oldest_retained_window(later);
    CHECK(oldest == window_id_at(rules, kNow) + 1);
    CHECK(c.ingest(make_report(rules, secure_random()), "ip2", later) == 400);  // built at kNow: deleted at `later`
  }
  // The replay digests went with the sums.
  CHECK(rows_in(site.dir + "/aggregates.db", "replay") == 0);
  CHECK(rows_in(site.dir + "/aggregates.db", "sums") == 0);
}

TEST_CASE("an idle collector publishes nothing past the retention: insights delete it first") {
  Site site;  // retentionDays: 2
  {
    Collector c(site.options());
    CHECK(c.ingest(make_report(site.rules(), secure_random()), "ip", kNow) == 204);
    CHECK(c.insights_json(kNow + 86400000LL)["total"]["reports"] == 1);
    // No report arrives for days; the owner looks again.
    json later = c.insights_json(kNow + 3 * 86400000LL);
    CHECK(later["windows"].empty());
    CHECK(later["total"]["reports"] == 0);
  }
  CHECK(rows_in(site.dir + "/aggregates.db", "sums") == 0);
}

TEST_CASE("the collector refuses a secret key that does not match the config") {
  Site site, other;
  CollectorOptions o = site.options();
  o.secret_key_path = other.dir + "/collector.key";
  CHECK_THROWS_WITH_AS(Collector{o}, doctest::Contains("does not match reporting.publicKey"), std::runtime_error);
  o.secret_key_path = site.dir + "/missing.key";
  CHECK_THROWS_AS(Collector{o}, std::runtime_error);
}

TEST_CASE("a second collector on the same store is refused with what to do, and the first keeps working") {
  Site site;
  Collector first(site.options());
  CHECK_THROWS_WITH_AS(Collector{site.options()}, doctest::Contains("is in use by another collector"), std::runtime_error);
  CHECK(first.ingest(make_report(site.rules(), secure_random()), "127.0.0.1", kNow) == 204);
}

// The sums are what the owner's token guards on /api/insights: a store any
// user of the machine can read would give them away without it.
TEST_CASE("the store it creates is readable by its owner only, its log included") {
  Site site;
  mode_t was = umask(022);  // the usual one: files readable by all
  {
    Collector c(site.options());
    CHECK(c.ingest(make_report(site.rules(), secure_random()), "127.0.0.1", kNow) == 204);
    for (const char* file : {"/aggregates.db", "/aggregates.db-wal"}) {
      CAPTURE(file);
      struct stat st{};
      REQUIRE(stat((site.dir + file).c_str(), &st) == 0);
      CHECK((st.st_mode & 077) == 0);
    }
  }
  umask(was);
}

TEST_CASE("a kill -9 during ingestion loses no acknowledged report and counts none twice") {
  Site site;
  auto rules = site.rules();
  std::vector<std::string> reports;
  for (int i = 0; i < 1000; ++i) reports.push_back(make_report(rules, secure_random()));

  int acks[2];
  REQUIRE(pipe(acks) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(acks[0]);
    Collector c(site.options());
    for (const auto& r : reports) {
      if (c.ingest(r, "ip", kNow) == 204 && write(acks[1], "+", 1) != 1) _exit(3);
    }
    pause();  // the kill comes mid-ingestion unless the machine is very slow; never exit cleanly
    _exit(0);
  }
  close(acks[1]);
  size_t acknowledged = 0;
  char buf[64];
  while (acknowledged < 100) {
    ssize_t n = read(acks[0], buf, 1);
    if (n <= 0) break;
    acknowledged += static_cast<size_t>(n);
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  for (ssize_t n; (n = read(acks[0], buf, sizeof buf)) > 0;) acknowledged += static_cast<size_t>(n);
  close(acks[0]);
  CHECK(WIFSIGNALED(status));

  Collector reopened(site.options());
  uint64_t stored = window_reports(reopened);
  CHECK(stored >= acknowledged);
  CHECK(stored <= reports.size());
  // Sending everything again (as retrying browsers would) completes the set without double counting.
  for (const auto& r : reports) CHECK(reopened.ingest(r, "ip", kNow) == 204);
  CHECK(window_reports(reopened) == reports.size());
  json total = reopened.insights_json(kNow)["total"];
  CHECK(total["metrics"][2]["reports"] == reports.size());
}

TEST_CASE("copies of a report racing into the same group commits are counted once") {
  Site site;
  Collector c(site.options());
  auto rules = site.rules();
  const int n = 400;
  std::vector<std::string> reports;
  for (int i = 0; i < n; ++i) reports.push_back(make_report(rules, secure_random()));
  // Every report is sent by two threads at about the same time, as a browser retrying would.
  std::atomic<int> next{0}, accepted{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&] {
      for (int i; (i = next++) < 2 * n;) {
        if (c.ingest(reports[i / 2], "ip", kNow) == 204) ++accepted;
      }
    });
  }
  for (auto& s : senders) s.join();
  CHECK(accepted == 2 * n);
  CHECK(window_reports(c) == n);
  CHECK(c.insights_json(kNow)["total"]["metrics"][0]["reports"] == n);
}

TEST_CASE("a store in the older layout (a row per cell, a seen table) is converted on open") {
  Site site;
  auto rules = site.rules();
  std::vector<std::string> reports;
  for (int i = 0; i < 30; ++i) reports.push_back(make_report(rules, secure_random()));

  // The older tables, filled as the older collector would have for these reports.
  std::vector<std::vector<uint64_t>> support;
  for (const auto& m : rules.metrics) support.emplace_back(m.ldp.domain, 0);
  std::string rows = R"sql(
    CREATE TABLE reports(win INTEGER NOT NULL, schema INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(win, schema));
    CREATE TABLE support(win INTEGER NOT NULL, schema INTEGER NOT NULL, metric TEXT NOT NULL,
      cell INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(win, schema, metric, cell));
    CREATE TABLE seen(digest BLOB PRIMARY KEY, win INTEGER NOT NULL);
    CREATE INDEX seen_win ON seen(win);
  )sql";
  uint64_t win = 0;
  for (const auto& r : reports) {
    auto opened = open_report(rules, reinterpret_cast<const uint8_t*>(r.data()), r.size(), site.sk);
    REQUIRE(opened.ok());
    win = opened->window_id;
    for (size_t m = 0; m < rules.metrics.size(); ++m) {
      ldp_accumulate(rules.metrics[m].ldp, opened->metric(rules.metrics[m]), support[m]);
    }
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const uint8_t*>(r.data()), r.size(), nullptr, 0);
    rows += "INSERT INTO seen VALUES(x'" + hex(digest, 32) + "', " + std::to_string(win) + ");\n";
  }
  const std::string w = std::to_string(win), schema = std::to_string(rules.schema_id);
  rows += "INSERT INTO reports VALUES(" + w + ", " + schema + ", 30);\n";
  for (size_t m = 0; m < rules.metrics.size(); ++m) {
    for (size_t cell = 0; cell < support[m].size(); ++cell) {
      if (!support[m][cell]) continue;
      rows += "INSERT INTO support VALUES(" + w + ", " + schema + ", '" + rules.metrics[m].id + "', " +
              std::to_string(cell) + ", " + std::to_string(support[m][cell]) + ");\n";
    }
  }
  // Sums of another metric layout: never shown, not carried over.
  rows += "INSERT INTO reports VALUES(" + w + ", 12345, 7);\n";
  sql(site.dir + "/aggregates.db", rows);

  // The same reports stored by the current collector in a fresh store: the converted one must agree.
  CollectorOptions fresh_options = site.options();
  fresh_options.db_path = site.dir + "/fresh.db";
  Collector fresh(fresh_options);
  for (const auto& r : reports) REQUIRE(fresh.ingest(r, "ip", kNow) == 204);

  {
    Collector converted(site.options());
    json got = converted.insights_json(kNow), want = fresh.insights_json(kNow);
    CHECK(got["total"] == want["total"]);
    CHECK(got["windows"] == want["windows"]);
    // The digests came over too: the same reports again are not counted twice; a new one is.
    for (const auto& r : reports) CHECK(converted.ingest(r, "ip", kNow) == 204);
    CHECK(window_reports(converted) == 30);
    CHECK(converted.ingest(make_report(rules, secure_random()), "ip", kNow) == 204);
    CHECK(window_reports(converted) == 31);
  }
  // The older tables are gone, so the conversion runs once.
  sql(site.dir + "/aggregates.db", "CREATE TABLE reports(x); CREATE TABLE support(x); CREATE TABLE seen(x);");
}

TEST_CASE("stored sums that do not fit the metric layout fail loudly, never silently") {
  Site site;
  auto rules = site.rules();
  {
    Collector c(site.options());
    REQUIRE(c.ingest(make_report(rules, secure_random()), "ip", kNow) == 204);
  }
  sql(site.dir + "/aggregates.db", "UPDATE sums SET support = x'0102';");
  Collector c(site.options());
  CHECK(c.ingest(make_report(rules, secure_random()), "ip", kNow) == 500);
  CHECK_THROWS_WITH_AS(c.insights_json(kNow), doctest::Contains("do not fit the metric layout"), std::runtime_error);
}

TEST_CASE("over HTTP: POST /collect, and insights only with the owner's token") {
  Site site;
  CollectorOptions o = site.options();
  Collector collector(o);
  httplib::Server server;
  mount_collector(server, collector);
  std::thread t;
  int port = serve_in_background(server, t);

  httplib::Client client("127.0.0.1", port);
  std::string report = make_report(site.rules(), secure_random(), wall_clock_ms());
  auto posted = client.Post("/collect", report, "application/octet-stream");
  REQUIRE(posted);
  CHECK(posted->status == 204);
  auto junk = client.Post("/collect", "hello", "application/octet-stream");
  REQUIRE(junk);
  CHECK(junk->status == 400);
  auto huge = client.Post("/collect", std::string(10000, 'a'), "application/octet-stream");
  REQUIRE(huge);
  CHECK(huge->status == 413);

  auto denied = client.Get("/api/insights");
  REQUIRE(denied);
  CHECK(denied->status == 401);
  auto wrong = client.Get("/api/insights", {{"Authorization", "Bearer owner-secreT"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto ok = client.Get("/api/insights", {{"Authorization", "Bearer owner-secret"}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto body = parse_json(ok->body);
  REQUIRE(body.ok());
  CHECK((*body)["total"]["reports"] == 1);

  auto page = client.Get("/insights?token=owner-secret");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  CHECK(page->body.find("<script>") == std::string::npos);  // no inline script: CSP allows none
  CHECK(page->body.find("/insights/dashboard.js") != std::string::npos);
  auto no_page = client.Get("/insights");
  REQUIRE(no_page);
  CHECK(no_page->status == 401);
  auto js = client.Get("/insights/dashboard.js");
  REQUIRE(js);
  CHECK(js->status == 200);

  server.stop();
  t.join();
}

// The check itself compares fixed-size digests in constant time (so its
// timing says nothing of the token's length); what a test can show is that
// only the token itself passes, whatever a guess's length.
TEST_CASE("the owner's token is accepted only whole: every shorter, longer or altered guess is refused") {
  Site site;
  CollectorOptions o = site.options();
  o.token = "owner-secret";
  Collector collector(o);
  CHECK(collector.token_ok("owner-secret"));
  for (size_t n = 0; n < o.token.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(collector.token_ok(o.token.substr(0, n)));  // each prefix, the empty guess included
    std::string altered = o.token;
    altered[n] ^= 0x20;
    CHECK_FALSE(collector.token_ok(altered));
  }
  for (const std::string& extra : std::vector<std::string>{"x", std::string(1, '\0'), "-secret", std::string(1000, 'a')}) {
    CHECK_FALSE(collector.token_ok(o.token + extra));
    CHECK_FALSE(collector.token_ok(extra + o.token));
  }
  for (size_t n = 0; n <= 200; ++n) CHECK_FALSE(collector.token_ok(std::string(n, 'o')));

  // A collector without a token lets no one in, the empty guess included.
  o.token.clear();
  o.db_path = site.dir + "/other.db";
  Collector open(o);
  CHECK_FALSE(open.token_ok(""));
  CHECK_FALSE(open.token_ok("owner-secret"));
}

TEST_CASE("over the front's workers: concurrent reports stored exactly once, answered as httplib answers") {
  Site site;
  site.config["reporting"]["allowedOrigins"] = json::array({"https://shop.example"});
  FrontCollector front(site.options());
  Collector& collector = front.collector;
  const int port = front.port;

  int64_t now = wall_clock_ms();
  const int threads = 6, each = 30;
  std::vector<std::string> reports;
  for (int i = 0; i < threads * each; ++i) reports.push_back(make_report(site.rules(), secure_random(), now));
  // Every report twice (a retrying browser), from kept-alive connections at once.
  std::atomic<int> accepted{0};
  std::vector<std::thread> senders;
  for (int c = 0; c < threads; ++c) {
    senders.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // the head and the body go out without waiting for an ACK
      for (int i = 0; i < 2 * each; ++i) {
        auto res = client.Post("/collect", reports[c * each + i / 2], "application/octet-stream");
        if (res && res->status == 204) ++accepted;
      }
    });
  }
  for (auto& s : senders) s.join();
  CHECK(accepted == 2 * threads * each);
  CHECK(window_reports(collector, now) == static_cast<uint64_t>(threads * each));

  // The same answer whether the workers or httplib (after a GET on the connection) take the post.
  auto answer = [&](bool httplib_first, const std::string& body, const std::string& origin) {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    if (httplib_first) REQUIRE(client.Get("/insights/dashboard.css"));
    httplib::Headers headers;
    if (!origin.empty()) headers.emplace("Origin", origin);
    auto res = client.Post("/collect", headers, body, "application/octet-stream");
    REQUIRE(res);
    res->headers.erase("Keep-Alive");  // the only header that differs: it is per connection
    return std::make_pair(res->status, res->headers);
  };
  for (const std::string& origin : {"", "https://shop.example", "https://other.example"}) {
    CAPTURE(origin);
    CHECK(answer(false, reports[0], origin) == answer(true, reports[0], origin));  // a replay: 204 (403)
    CHECK(answer(false, "junk", origin) == answer(true, "junk", origin));          // 400 (403)
    int refused = origin == "https://other.example" ? 403 : 204;  // not an allowed origin
    CHECK(answer(false, make_report(site.rules(), secure_random(), now), origin).first == refused);
  }
  auto fast = answer(false, reports[1], "https://shop.example");
  CHECK(fast.second.count("Access-Control-Allow-Origin") == 1);
  CHECK(fast.second.count("Content-Security-Policy") == 0);  // `tactful serve` adds its own; this server has none
  CHECK(window_reports(collector, now) == static_cast<uint64_t>(threads * each + 2));
}

TEST_CASE("over the front's workers: pipelined posts from several origins each get their own origin's answer") {
  Site site;
  site.config["reporting"]["allowedOrigins"] = json::array({"https://shop.example", "https://blog.example"});
  FrontCollector front(site.options());
  int64_t now = wall_clock_ms();
  // One write: the workers take these posts in one round (one commit), in
  // which accepted reports from one origin share an answer. The fifth is the
  // connection's last (httplib's default count): its answer closes it.
  const std::vector<std::string> origins = {"", "https://shop.example", "https://shop.example", "https://blog.example",
                                            ""};
  const size_t junk = 3;
  std::string all;
  for (size_t i = 0; i < origins.size(); ++i) {
    std::string body = i == junk ? std::string("junk") : make_report(site.rules(), secure_random(), now);
    all += "POST /collect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n" +
           (origins[i].empty() ? std::string() : "Origin: " + origins[i] + "\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(front.port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(send(fd, all.data(), all.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(all.size()));
  std::string got;
  std::vector<std::string> answers;
  while (answers.size() < origins.size()) {
    size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t at = got.find("Content-Length: ");
      size_t length = at != std::string::npos && at < end ? std::stoul(got.substr(at + 16)) : 0;
      if (got.size() >= end + 4 + length) {
        answers.push_back(got.substr(0, end + 4 + length));
        got.erase(0, end + 4 + length);
        continue;
      }
    }
    pollfd p{fd, POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1);
    char chunk[4096];
    ssize_t r = recv(fd, chunk, sizeof chunk, 0);
    REQUIRE(r > 0);
    got.append(chunk, static_cast<size_t>(r));
  }
  close(fd);
  for (size_t i = 0; i < origins.size(); ++i) {
    CAPTURE(i);
    const std::string& answer = answers[i];
    CHECK(answer.rfind(i == junk ? "HTTP/1.1 400 " : "HTTP/1.1 204 ", 0) == 0);
    CHECK((answer.find("\r\nConnection: close\r\n") != std::string::npos) == (i == origins.size() - 1));
    CHECK(answer.find("\r\nCache-Control: no-store\r\n") != std::string::npos);
    bool allowed = answer.find("\r\nAccess-Control-Allow-Origin: ") != std::string::npos;
    CHECK(allowed == !origins[i].empty());
    if (allowed) CHECK(answer.find("\r\nAccess-Control-Allow-Origin: " + origins[i] + "\r\n") != std::string::npos);
  }
  CHECK(answers[2] == answers[1]);  // the same origin's accepted reports: the same bytes
  CHECK(window_reports(front.collector, now) == origins.size() - 1);
}

TEST_CASE("a refused report is told why, on both of serve's paths: 400 names the fault, 429 says to wait") {
  Site site;
  CollectorOptions o = site.options();
  o.rate_per_second = 1e-9;  // no refill while the test runs
  o.rate_burst = 6;
  FrontCollector front(o);
  const ReportRules rules = site.rules();
  const int64_t now = wall_clock_ms();
  // httplib_first: a GET first, so that httplib's route (not the workers) takes the post.
  auto post = [&](bool httplib_first, const std::string& body) {
    httplib::Client client("127.0.0.1", front.port);
    client.set_keep_alive(true);
    if (httplib_first) REQUIRE(client.Get("/insights/dashboard.css"));
    auto res = client.Post("/collect", body, "application/octet-stream");
    REQUIRE(res);
    return std::make_pair(res->status, res->body);
  };
  for (bool httplib_first : {false, true}) {
    CAPTURE(httplib_first);
    CHECK(post(httplib_first, "junk") ==
          std::make_pair(400, "not a report for this collector: report is 4 bytes, expected " +
                                  std::to_string(rules.report_size)));
    auto later = post(httplib_first, make_report(rules, secure_random(), now + 3 * 3600 * 1000));
    CHECK(later.first == 400);
    CHECK(later.second.find(" is not taken: this collector takes windows ") != std::string::npos);
    CHECK(post(httplib_first, make_report(rules, secure_random(), now)).first == 204);  // the burst's last
  }
  for (bool httplib_first : {false, true}) {
    CAPTURE(httplib_first);
    CHECK(post(httplib_first, make_report(rules, secure_random(), now)) ==
          std::make_pair(429, std::string("too many reports from this address: try again later")));
  }
}

namespace {

// Who may post (collect_access.hpp), on both of serve's paths: httplib's
// route, and the front's workers, which hand what they would refuse to it.
void check_who_may_post(int port, Collector& collector, const ReportRules& rules) {
  int64_t now = wall_clock_ms();
  const std::string self = "http://127.0.0.1:" + std::to_string(port);
  auto post = [&](const httplib::Headers& headers, const std::string& type) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Post("/collect", headers, make_report(rules, secure_random(), now), type);
    REQUIRE(res);
    return *res;
  };
  const std::string octet = "application/octet-stream";
  uint64_t stored = window_reports(collector, now);
  auto counted = [&](uint64_t more) {
    stored += more;
    return window_reports(collector, now) == stored;
  };
  CHECK(post({}, octet).status == 204);  // no Origin: curl, bench-load, a relay
  CHECK(post({{"Origin", self}}, octet).status == 204);  // the collector's own pages
  CHECK(post({{"Origin", "https://" + self.substr(7)}}, octet).status == 204);  // behind a TLS proxy
  auto listed = post({{"Origin", "https://shop.example"}}, octet);
  CHECK(listed.status == 204);
  CHECK(listed.get_header_value("Access-Control-Allow-Origin") == "https://shop.example");
  // A same-origin post under referrer policy no-referrer, as the Fetch standard has browsers send it.
  CHECK(post({{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}}, octet).status == 204);
  CHECK(counted(5));

  auto evil = post({{"Origin", "https://evil.example"}}, octet);
  CHECK(evil.status == 403);
  CHECK(evil.get_header_value("Access-Control-Allow-Origin").empty());
  CHECK(post({{"Origin", "https://evil.example"}}, "text/plain").status == 403);
  CHECK(post({{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}}, octet).status == 403);  // a sandboxed frame elsewhere
  CHECK(post({{"Origin", "http://127.0.0.1:1"}}, octet).status == 403);  // another port is another origin
  for (const std::string& type : {"text/plain", "application/json", "application/x-www-form-urlencoded"}) {
    CAPTURE(type);
    auto res = post({}, type);
    CHECK(res.status == 415);
    CHECK(res.body == "reports are application/octet-stream");
  }
  CHECK(post({{"Origin", self}}, "text/plain;charset=UTF-8").status == 415);
  CHECK(post({}, "Application/Octet-Stream; x=1").status == 204);  // media types ignore case and parameters
  // No Content-Type is raw bytes (RFC 9110), as a script's fetch of a
  // Uint8Array sends them; a page elsewhere is still refused by its Origin.
  // (httplib's client would add text/plain to a body without the header.)
  auto untyped = [&](const httplib::Headers& headers) {
    httplib::Request req;
    req.method = "POST";
    req.path = "/collect";
    req.headers = headers;
    req.headers.emplace("Content-Type", "");
    req.body = make_report(rules, secure_random(), now);
    auto res = httplib::Client("127.0.0.1", port).send(req);
    REQUIRE(res);
    return res->status;
  };
  CHECK(untyped({}) == 204);
  CHECK(untyped({{"Origin", "https://evil.example"}}) == 403);
  CHECK(counted(2));

  httplib::Client client("127.0.0.1", port);
  auto preflight = [&](const std::string& origin) {
    httplib::Request req;
    req.method = "OPTIONS";
    req.path = "/collect";
    req.headers = {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}};
    auto res = client.send(req);
    REQUIRE(res);
    return *res;
  };
  CHECK(preflight("https://evil.example").status == 403);
  auto ok = preflight("https://shop.example");
  CHECK(ok.status == 204);
  CHECK(ok.get_header_value("Access-Control-Allow-Origin") == "https://shop.example");

  // Other methods: 405, with the ones the route takes.
  for (const std::string& method : {"GET", "PUT", "DELETE"}) {
    CAPTURE(method);
    httplib::Request req;
    req.method = method;
    req.path = "/collect";
    auto res = client.send(req);
    REQUIRE(res);
    CHECK(res->status == 405);
    CHECK(res->get_header_value("Allow") == "POST, OPTIONS");
  }
  for (const std::string& path : {"/api/insights", "/insights"}) {
    CAPTURE(path);
    for (const std::string& method : {"POST", "PUT", "DELETE"}) {
      CAPTURE(method);
      httplib::Request req;
      req.method = method;
      req.path = path;
      auto res = client.send(req);
      REQUIRE(res);
      CHECK(res->status == 405);
      CHECK(res->get_header_value("Allow") == "GET");
    }
  }
  CHECK(counted(0));

  // The Authorization scheme is case-insensitive (RFC 7235).
  for (const std::string& scheme : {"Bearer", "bearer", "BEARER"}) {
    CAPTURE(scheme);
    auto res = client.Get("/api/insights", {{"Authorization", scheme + " owner-secret"}});
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  auto wrong = client.Get("/api/insights", {{"Authorization", "Basic owner-secret"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
}

}  // namespace

TEST_CASE("who may post, on httplib's route: no Origin, the own origin, allowed origins; octet-stream only") {
  Site site;
  site.config["reporting"]["allowedOrigins"] = json::array({"https://shop.example"});
  Collector collector(site.options());
  httplib::Server server;
  mount_collector(server, collector);
  std::thread t;
  int port = serve_in_background(server, t);
  check_who_may_post(port, collector, site.rules());
  server.stop();
  t.join();
}

TEST_CASE("who may post, on the front's workers: the same answers (they hand refusals to httplib's route)") {
  Site site;
  site.config["reporting"]["allowedOrigins"] = json::array({"https://shop.example"});
  FrontCollector front(site.options());
  check_who_may_post(front.port, front.collector, site.rules());
}

TEST_CASE("tactful serve: a port in use fails with a clear error; a collector needs Chart.js for its dashboard") {
  Site site;
  FrontServer first;
  int port = first.open("127.0.0.1", 0);
  REQUIRE(port > 0);
  FrontServer second;
  CHECK(second.open("127.0.0.1", port) == -1);  // never two collectors splitting one port's requests
  CHECK(second.open_error() == EADDRINUSE);

  std::istringstream in;
  std::ostringstream out, err;
  CHECK(cli::run_cli({"serve", "--site", site.dir, "--port", std::to_string(port)}, in, out, err) == 1);
  CHECK(err.str().find("port " + std::to_string(port) + " is in use") != std::string::npos);

  std::ofstream(site.dir + "/config.json") << site.config.dump();
  cli::Args collector = {"serve", "--site", site.dir, "--port", "0", "--config", site.dir + "/config.json",
                    "--key", site.dir + "/collector.key", "--db", site.dir + "/a.db", "--token", "t"};
  std::ostringstream err2;
  CHECK(cli::run_cli(collector, in, out, err2) == 2);
  CHECK(err2.str().find("needs --chart-js") != std::string::npos);
  CollectorOptions o = site.options();
  o.chart_js_path = site.dir + "/missing.js";
  CHECK_THROWS_WITH_AS(Collector{o}, ("cannot read Chart.js from " + o.chart_js_path).c_str(), std::runtime_error);
}

TEST_CASE("tactful bench-load: one POST per report, spread over addresses, every answer counted") {
  Site site;
  CollectorOptions o = site.options();
  o.rate_per_second = 0.001;  // two reports per address, then 429
  o.rate_burst = 2;
  Collector collector(o);
  httplib::Server server;
  mount_collector(server, collector);
  std::thread t;
  int port = serve_in_background(server, t);

  int64_t now = wall_clock_ms();
  const std::string file = site.dir + "/reports.b64";
  {
    std::ofstream out(file);
    for (int i = 0; i < 12; ++i) out << base64_encode(make_report(site.rules(), secure_random(), now)) << "\n";
  }
  auto load = [&](const std::string& per_address) {
    std::istringstream in;
    std::ostringstream out, err;
    int code = cli::run_cli({"bench-load", "--port", std::to_string(port), "--reports", file, "--connections", "3",
                             "--per-address", per_address},
                            in, out, err);
    INFO(err.str());
    REQUIRE(code == 0);
    auto result = parse_json(out.str());
    REQUIRE(result.ok());
    return result.value();
  };
  json r = load("2");
  CHECK(r["sent"] == 12);
  CHECK(r["statuses"] == json{{"204", 12}});
  CHECK(r["addresses"].get<int>() >= 6);
  CHECK(window_reports(collector, now) == 12);
  // Again from the same (now spent) addresses, three to each: refusals are counted as such, and nothing is stored twice.
  json again = load("3");
  CHECK(again["sent"] == 12);
  CHECK(again["statuses"].value("429", 0) >= 8);
  CHECK(again["statuses"].value("429", 0) + again["statuses"].value("204", 0) == 12);
  CHECK(window_reports(collector, now) == 12);

  server.stop();
  t.join();

  std::istringstream in;
  std::ostringstream out, err;
  std::ofstream(file) << base64_encode(std::string(85, 'a')) << "\nnot base64!\n";
  CHECK(cli::run_cli({"bench-load", "--port", "1", "--reports", file}, in, out, err) == 1);
  CHECK(err.str().find("line 2 is not base64") != std::string::npos);
  CHECK(cli::run_cli({"bench-load", "--reports", file}, in, out, err) == 2);
  // An empty file (a failed `tactful report` upstream) is not a measurement of
  // zero reports in no time: it is refused, as aggregate and open-report refuse it.
  std::ofstream(file) << "\n";
  std::ostringstream none_out, none_err;
  CHECK(cli::run_cli({"bench-load", "--port", "1", "--reports", file}, in, none_out, none_err) == 1);
  CHECK(none_err.str() == "tactful bench-load: '" + file + "' holds no reports (no non-empty lines): nothing to send\n");
  CHECK(none_out.str().empty());
}

TEST_CASE("20,000 simulated browsers: every estimate within the mechanism's error bound") {
  Site site(20);
  CollectorOptions o = site.options();
  Collector collector(o);
  auto rules = site.rules();
  const int n = 20000;
  // The known distribution: variant shown (default 20 %, trail 50 %, kitchen 30 %), click rates
  // 5 / 12 / 8 %; top interest 40 / 30 / 20 / 10 %; 15 % converted; pages per visit by cycle.
  std::vector<std::vector<double>> truth;
  for (const auto& m : rules.metrics) truth.emplace_back(m.labels.size(), 0.0);
  std::vector<std::string> reports(n);
  SeededRandom world(2026);
  const char* variants[] = {"default", "trail", "kitchen"};
  const double click_rate[] = {0.05, 0.12, 0.08};
  const char* interests[] = {"trail-running", "cooking", "gardening", "cycling"};
  for (int i = 0; i < n; ++i) {
    WindowAccumulator acc;
    acc.start(kNow);
    double u = (i % 100) / 100.0;
    int v = u < 0.2 ? 0 : (u < 0.7 ? 1 : 2);
    acc.observe_shown("hero", variants[v]);
    if (world.bernoulli(click_rate[v])) acc.observe_click("hero");
    int interest = i % 10 < 4 ? 0 : (i % 10 < 7 ? 1 : (i % 10 < 9 ? 2 : 3));
    if (i % 20 < 3) acc.observe_conversion();
    int pages = 1 + i % 12;
    for (int p = 0; p < pages; ++p) acc.observe_page_view(kNow + p * 1000);
    ReportInputs inputs{{"interests"}, interests[interest]};
    auto values = report_values(rules, acc, inputs);
    for (size_t m = 0; m < values.size(); ++m) truth[m][values[m]] += 1;
    auto report = build_report(rules, acc, inputs, world);
    REQUIRE(report.ok());
    reports[i] = as_string(*report);
  }

  // Ingest concurrently, as many browsers would; acknowledgements wait for group commits.
  std::atomic<int> next{0}, accepted{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 16; ++t) {
    senders.emplace_back([&] {
      for (int i; (i = next++) < n;) {
        if (collector.ingest(reports[i], "10.0.0." + std::to_string(i % 250), kNow) == 204) ++accepted;
      }
    });
  }
  for (auto& s : senders) s.join();
  REQUIRE(accepted == n);

  json total = collector.insights_json(kNow)["total"];
  REQUIRE(total["reports"] == n);
  int cells = 0, covered = 0;
  for (size_t m = 0; m < rules.metrics.size(); ++m) {
    const json& cells_json = total["metrics"][m]["cells"];
    int small = 0, large = 0;  // hidden cells under the minimum (with the noise), and hidden covers
    for (size_t c = 0; c < truth[m].size(); ++c) {
      const json& cell = cells_json[c];
      if (cell["suppressed"] == true) {
        bool under = truth[m][c] < 20 + 4 * std::sqrt(ldp_variance(rules.metrics[m].ldp, truth[m][c], n));
        ++(under ? small : large);
        continue;
      }
      double est = cell["estimate"].get<double>();
      double sd = std::sqrt(ldp_variance(rules.metrics[m].ldp, truth[m][c], n));
      INFO(rules.metrics[m].id, " ", rules.metrics[m].labels[c], " true ", truth[m][c], " est ", est, " sd ", sd);
      CHECK(std::fabs(est - truth[m][c]) <= 4 * sd);  // P(|Z| > 4) < 1e-4 per cell
      ++cells;
      if (cell["ci95"][0].get<double>() <= truth[m][c] && truth[m][c] <= cell["ci95"][1].get<double>()) ++covered;
    }
    // One window, so one sum per metric: a lone small hidden cell takes one
    // cover with it (the smallest shown), two or more need none.
    CAPTURE(rules.metrics[m].id);
    CHECK(large <= (small == 1 ? 1 : 0));
  }
  // 21 cells: every metric's "(no data)" is empty, hidden, and covered by its smallest other cell.
  CHECK(cells >= 13);
  CHECK(covered >= cells * 8 / 10);  // nominal 95 %; a loose floor for a handful of cells
}
