#include "collector.hpp"

#include "collect_access.hpp"
#include "front_server.hpp"
#include "tactful/ascii.hpp"
#include "tactful/base64.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tactful/estimate.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

namespace {

int64_t clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One prepared statement, finalized when it goes.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Not copied: `data` must stay put until the statement has run.
  Stmt& bind_blob(int i, const uint8_t* data, size_t size) {
    sqlite3_bind_blob(s_, i, data, static_cast<int>(size), SQLITE_STATIC);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  // Runs a statement that returns no rows and makes it ready to run again; throws on failure.
  void run() {
    int rc = sqlite3_step(s_);
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(sqlite3_db_handle(s_));
      sqlite3_reset(s_);
      throw std::runtime_error("sqlite: " + msg);
    }
    sqlite3_reset(s_);
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t col(int i) { return sqlite3_column_int64(s_, i); }
  const uint8_t* blob(int i, size_t& size) {
    const void* b = sqlite3_column_blob(s_, i);
    size = static_cast<size_t>(sqlite3_column_bytes(s_, i));
    return static_cast<const uint8_t*>(b);
  }
  std::string text(int i) {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Both tables are WITHOUT ROWID: one B-tree each, so a group commit rewrites
// few pages (each becomes a 4 KB WAL frame).
const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sums(win INTEGER NOT NULL, schema INTEGER NOT NULL, reports INTEGER NOT NULL,
  support BLOB NOT NULL, PRIMARY KEY(win, schema)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replay(win INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY(win, digest)) WITHOUT ROWID;
)sql";
// sums: per window and metric layout, the reports stored and the support of
//   every cell as one blob (encode_support), so that a commit writes one small
//   row per window rather than a row per cell.
// replay: the digest of every stored report. Window first: retention deletes a
//   prefix, and no second index is needed (a report's window is inside its
//   seal, so equal reports have equal windows).

// Support counts of one window: per metric (config order), per cell.
using Support = std::vector<std::vector<uint64_t>>;

Support empty_support(const ReportRules& rules) {
  Support s;
  for (const auto& m : rules.metrics) s.emplace_back(m.ldp.domain, 0);
  return s;
}

// The blob layout: every cell's count as a little-endian u64, metric after metric.
std::string encode_support(const Support& support) {
  std::string out;
  for (const auto& cells : support) {
    for (uint64_t v : cells) {
      for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
    }
  }
  return out;
}

// Adds a blob's counts into `into` (shaped by the layout); false if the blob does not fit it.
bool add_support_blob(const uint8_t* blob, size_t size, Support& into) {
  size_t cells = 0;
  for (const auto& m : into) cells += m.size();
  if (size != cells * 8 || (cells > 0 && !blob)) return false;
  for (auto& m : into) {
    for (uint64_t& v : m) {
      uint64_t x = 0;
      for (int b = 7; b >= 0; --b) x = (x << 8) | blob[b];
      v += x;
      blob += 8;
    }
  }
  return true;
}

std::string collect_path(const std::string& collector) {
  if (collector.rfind("/", 0) == 0) return collector;
  size_t scheme = collector.find("://");
  size_t slash = scheme == std::string::npos ? std::string::npos : collector.find('/', scheme + 3);
  return slash == std::string::npos ? "/collect" : collector.substr(slash);
}

extern const char kDashboardHtml[];
extern const char kDashboardCss[];
extern const char kDashboardJs[];
extern const char kDashboardIcon[];

}  // namespace

// The ingestion path's statements, prepared once: a group commit only binds and runs them.
struct Collector::Statements {
  explicit Statements(sqlite3* db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        seen(db, "INSERT OR IGNORE INTO replay(digest, win) VALUES(?, ?)"),
        get_sums(db, "SELECT reports, support FROM sums WHERE win = ? AND schema = ?"),
        put_sums(db, "INSERT OR REPLACE INTO sums(win, schema, reports, support) VALUES(?, ?, ?, ?)") {}
  Stmt begin, commit, seen, get_sums, put_sums;
};

SecretKey read_secret_key(const std::string& path) {
  std::string text = read_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  SecretKey sk{};
  auto bytes = base64_decode(text);
  if (text.empty() || !bytes || bytes->size() != sk.size()) {
    throw std::runtime_error("secret key file " + path + " is missing or not a tactful key (run tactful keygen)");
  }
  std::copy(bytes->begin(), bytes->end(), sk.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return sk;
}

ReportRules report_rules_from_config(const json& config) {
  Diagnostics diag;
  Taxonomy taxonomy = parse_taxonomy(config, diag);
  ReportRules rules = parse_report_rules(config, taxonomy, slot_variants_from_config(config), diag);
  if (!diag.ok()) throw std::runtime_error("config: " + diag.errors[0].to_string());
  if (!rules.enabled) throw std::runtime_error("config: no reporting section");
  return rules;
}

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto parsed = parse_json(ss.str());
  if (!parsed.ok()) throw std::runtime_error(path + ": " + parsed.error().to_string());
  return std::move(parsed.value());
}

Collector::Collector(CollectorOptions options) : options_(std::move(options)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  rules_ = report_rules_from_config(options_.config);
  // 413 is for bodies larger than any report: a config with many metrics
  // makes reports above the default bound, and they must still be taken.
  options_.max_body = std::max(options_.max_body, rules_.report_size);
  sk_ = read_secret_key(options_.secret_key_path);
  token_digest_ = token_digest(options_.token);
  if (x25519_public_key(sk_) != rules_.public_key) {
    throw std::runtime_error("the secret key does not match reporting.publicKey (key id " + key_id_hex(rules_.key_id) +
                             ")");
  }
  if (!options_.chart_js_path.empty()) {
    chart_js_ = read_file(options_.chart_js_path);
    // Without it the dashboard shows tables and no charts: say so now, not with a 404 later.
    if (chart_js_.empty()) throw std::runtime_error("cannot read Chart.js from " + options_.chart_js_path);
  }

  // A new store is made readable by its owner only (SQLite gives its log
  // the same mode): its sums are what the owner's token guards.
  if (int fd = ::open(options_.db_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
  if (sqlite3_open_v2(options_.db_path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + options_.db_path + ": " + msg);
  }
  // WAL: a commit is in the log before ingest() returns, so an acknowledged
  // report survives kill -9; power_safe adds an fsync per group commit.
  // Only the collector opens its store: an exclusive lock spares every
  // transaction the WAL's shared-memory locking (and keeps a second collector out).
  // A collector that is just exiting lets go within the second.
  sqlite3_busy_timeout(db_, 1000);
  exec("PRAGMA locking_mode=EXCLUSIVE");
  exec("PRAGMA journal_mode=WAL");  // the first statement that takes the lock
  sqlite3_busy_timeout(db_, 5000);
  exec(options_.power_safe ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(kSchema);
  stmts_ = std::make_unique<Statements>(db_);
  migrate_legacy_store();
  apply_retention();
}

Collector::~Collector() {
  sodium_memzero(sk_.data(), sk_.size());
  stmts_.reset();  // finalized before the connection closes
  sqlite3_close(db_);
}

void Collector::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return;
  std::string msg = err ? err : "unknown error";
  sqlite3_free(err);
  // The store is held exclusively while a collector runs: busy means another one has it.
  if (rc == SQLITE_BUSY) {
    throw std::runtime_error(options_.db_path +
                             " is in use by another collector (a second `tactful serve`?): stop that one, or give "
                             "this one its own --db");
  }
  throw std::runtime_error("sqlite: " + msg);
}

// BLAKE2b-256 of a token: what token_ok compares.
std::array<uint8_t, 32> Collector::token_digest(const std::string& token) {
  std::array<uint8_t, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const uint8_t*>(token.data()), token.size(),
                     nullptr, 0);
  return digest;
}

// The two tokens' digests, of one size whatever the tokens' lengths, in
// constant time: a comparison that looked at the lengths first, or stopped
// at the first difference, would tell a guesser by its timing how long the
// token is and how much of a guess is right.
bool Collector::token_ok(const std::string& presented) const {
  return !options_.token.empty() && crypto_verify_32(token_digest(presented).data(), token_digest_.data()) == 0;
}

bool Collector::rate_allowed(const std::string& ip, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(rate_mu_);
  if (buckets_.size() > 100000) {  // forget idle clients rather than grow without bound
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = now_ms - it->second.at_ms > 600000 ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(ip, Bucket{options_.rate_burst, now_ms});
  Bucket& b = it->second;
  if (!fresh) {
    double refill = (now_ms - b.at_ms) / 1000.0 * options_.rate_per_second;
    b.tokens = std::min(options_.rate_burst, b.tokens + std::max(0.0, refill));
    b.at_ms = std::max(b.at_ms, now_ms);
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

int Collector::admit(std::string_view body, const std::string& client_ip, Opened& out, int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  // Refusals say why (the answer's body): a site owner testing with curl, or
  // a report sealed for another config, learns what is wrong. Nothing here is
  // secret: the size, version and key id are cleartext, and what follows the
  // seal is reached only with a report sealed to the public key.
  if (body.size() > options_.max_body) return 413;  // the servers say so before reading the body
  if (!rate_allowed(client_ip, now_ms)) {
    out.refusal = "too many reports from this address: try again later";
    return 429;
  }
  auto opened = open_report(rules_, reinterpret_cast<const uint8_t*>(body.data()), body.size(), sk_);
  if (!opened.ok()) {
    out.refusal = "not a report for this collector: " + opened.error().to_string();
    return 400;
  }
  // Only windows that may still be open or retained: no planting data in the far past or future.
  uint64_t current = window_id_at(rules_, now_ms);
  uint64_t oldest = oldest_retained_window(now_ms);
  if (opened->window_id > current + 1 || opened->window_id < oldest) {
    out.refusal = "window " + std::to_string(opened->window_id) + " is not taken: this collector takes windows " +
                  std::to_string(oldest) + " to " + std::to_string(current + 1);
    return 400;
  }

  out.window = opened->window_id;
  crypto_generichash(out.digest.data(), out.digest.size(), reinterpret_cast<const uint8_t*>(body.data()), body.size(),
                     nullptr, 0);
  out.plaintext = std::move(opened->plaintext);
  return 0;
}

int Collector::commit(const std::vector<const Opened*>& reports, int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  int status = commit_batch(reports);
  if (now_ms - last_retention_ms_ > 3600 * 1000) apply_retention(now_ms);
  return status;
}

int Collector::ingest(const std::string& body, const std::string& client_ip, int64_t now_ms, std::string* refusal) {
  if (now_ms < 0) now_ms = clock_ms();
  Pending pending;
  if (int refused = admit(body, client_ip, pending.report, now_ms)) {
    if (refusal) *refusal = std::move(pending.report.refusal);
    return refused;
  }

  // Group commit without a writer thread: one request at a time commits
  // everything queued (its own report included) in one transaction; the
  // others wait for that commit and never answer before it. The committer
  // then hands the role to the first report queued meanwhile, if any. Each
  // request waits on its own condition, so a commit wakes only the requests
  // it answers (and the next committer), not every waiting thread.
  bool lead;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(&pending);
    lead = !committing_;
    committing_ = true;
  }
  if (!lead) {
    std::unique_lock<std::mutex> lock(pending.mu);
    pending.cv.wait(lock, [&] { return pending.done || pending.lead; });
    lead = !pending.done;
  }
  if (lead) commit_group(pending);
  if (now_ms - last_retention_ms_ > 3600 * 1000) apply_retention(now_ms);
  return pending.status;
}

void Collector::commit_group(Pending& self) {
  std::vector<Pending*> group;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    group.swap(queue_);
  }
  std::vector<const Opened*> reports;
  for (const Pending* p : group) reports.push_back(&p->report);
  int status = commit_batch(reports);
  for (Pending* p : group) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->status = status;
    p->done = true;
    if (p != &self) p->cv.notify_one();  // it may return (and free p) once we let go of p->mu
  }
  std::lock_guard<std::mutex> lock(queue_mu_);
  if (queue_.empty()) {
    committing_ = false;
    return;
  }
  Pending* next = queue_.front();  // cannot return before its commit: safe to touch
  std::lock_guard<std::mutex> next_lock(next->mu);
  next->lead = true;
  next->cv.notify_one();
}

int Collector::commit_batch(const std::vector<const Opened*>& batch) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Statements& s = *stmts_;
  // What the group adds to each window (nearly always one), summed here and written once.
  struct Added {
    uint64_t window;
    uint64_t reports;
    Support support;
  };
  std::vector<Added> added;
  try {
    s.begin.run();
    for (const Opened* p : batch) {
      s.seen.bind_blob(1, p->digest.data(), p->digest.size()).bind(2, static_cast<int64_t>(p->window)).run();
      if (sqlite3_changes(db_) != 1) continue;  // a replay: acknowledged, never counted twice
      auto w = std::find_if(added.begin(), added.end(), [&](const Added& a) { return a.window == p->window; });
      if (w == added.end()) w = added.insert(added.end(), Added{p->window, 0, empty_support(rules_)});
      ++w->reports;
      for (size_t m = 0; m < rules_.metrics.size(); ++m) {
        const MetricRule& rule = rules_.metrics[m];
        ldp_accumulate(rule.ldp, p->plaintext.data() + rule.offset, w->support[m]);
      }
    }
    for (const Added& a : added) add_to_sums(a.window, a.reports, a.support);
    s.commit.run();
    return 204;
  } catch (const std::exception&) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return 500;
  }
}

void Collector::add_to_sums(uint64_t window, uint64_t reports, const Support& support) {
  Statements& s = *stmts_;
  Support total = support;
  s.get_sums.bind(1, static_cast<int64_t>(window)).bind(2, rules_.schema_id);
  if (s.get_sums.step() == SQLITE_ROW) {
    reports += static_cast<uint64_t>(s.get_sums.col(0));
    size_t size = 0;
    const uint8_t* blob = s.get_sums.blob(1, size);
    if (!add_support_blob(blob, size, total)) {
      s.get_sums.reset();
      throw std::runtime_error("stored sums of window " + std::to_string(window) + " do not fit the metric layout");
    }
  }
  s.get_sums.reset();
  std::string blob = encode_support(total);
  s.put_sums.bind(1, static_cast<int64_t>(window))
      .bind(2, rules_.schema_id)
      .bind(3, static_cast<int64_t>(reports))
      .bind_blob(4, reinterpret_cast<const uint8_t*>(blob.data()), blob.size())
      .run();
}

void Collector::migrate_legacy_store() {
  // Stores written before `sums` and `replay` had `reports` and `support`
  // (a row per cell) and `seen`: their sums for this config's metric layout
  // and all their digests move over once, in one transaction. Sums of other
  // layouts, which insights never showed, go with the old tables.
  auto has_table = [&](const char* name) {
    Stmt q(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, std::string(name));
    return q.step() == SQLITE_ROW;
  };
  bool seen = has_table("seen"), sums = has_table("reports") && has_table("support");
  if (!seen && !sums) return;
  exec("BEGIN IMMEDIATE");
  try {
    if (seen) exec("INSERT OR IGNORE INTO replay(win, digest) SELECT win, digest FROM seen; DROP TABLE seen;");
    if (sums) {
      std::map<std::string, size_t> metric_index;
      for (size_t m = 0; m < rules_.metrics.size(); ++m) metric_index[rules_.metrics[m].id] = m;
      Stmt windows(db_, "SELECT win, n FROM reports WHERE schema = ?");
      windows.bind(1, rules_.schema_id);
      Stmt cells(db_, "SELECT metric, cell, count FROM support WHERE win = ? AND schema = ?");
      while (windows.step() == SQLITE_ROW) {
        Support support = empty_support(rules_);
        cells.bind(1, windows.col(0)).bind(2, rules_.schema_id);
        while (cells.step() == SQLITE_ROW) {
          auto it = metric_index.find(cells.text(0));
          int64_t cell = cells.col(1);
          if (it != metric_index.end() && cell >= 0 && cell < static_cast<int64_t>(support[it->second].size())) {
            support[it->second][cell] += static_cast<uint64_t>(cells.col(2));
          }
        }
        cells.reset();
        add_to_sums(static_cast<uint64_t>(windows.col(0)), static_cast<uint64_t>(windows.col(1)), support);
      }
      windows.reset();
      exec("DROP TABLE support; DROP TABLE reports;");
    }
    exec("COMMIT");
  } catch (const std::exception& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error(std::string("cannot convert the older store: ") + e.what());
  }
}

// The one rule intake and deletion share: a window that retention deletes is
// also refused at the door (else it is published until the next deletion).
uint64_t Collector::oldest_retained_window(int64_t now_ms) const {
  int64_t cutoff_ms = now_ms - static_cast<int64_t>(rules_.retention_days) * 86400 * 1000;
  return cutoff_ms <= 0 ? 0 : window_id_at(rules_, cutoff_ms);
}

void Collector::apply_retention(int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  std::lock_guard<std::mutex> lock(db_mu_);
  last_retention_ms_ = now_ms;
  int64_t cutoff = static_cast<int64_t>(oldest_retained_window(now_ms));
  for (const char* sql : {"DELETE FROM sums WHERE win < ?", "DELETE FROM replay WHERE win < ?"}) {
    Stmt del(db_, sql);
    del.bind(1, cutoff);
    del.step();
  }
}

json Collector::insights_json(int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  // Deletion runs with ingestion, which an idle collector does not do: what
  // passed the retention is deleted before it could be published again.
  if (oldest_retained_window(now_ms) > oldest_retained_window(last_retention_ms_)) apply_retention(now_ms);
  std::lock_guard<std::mutex> lock(db_mu_);
  auto add_row = [&](Stmt& row, Sums& into) {
    size_t size = 0;
    const uint8_t* blob = row.blob(2, size);
    into.reports += static_cast<uint64_t>(row.col(1));
    if (!add_support_blob(blob, size, into.support)) {
      throw std::runtime_error("stored sums of window " + std::to_string(row.col(0)) +
                               " do not fit the metric layout");
    }
  };
  auto metrics_json = [](const std::vector<MetricEstimate>& estimates) {
    json metrics = json::array();
    for (const MetricEstimate& e : estimates) metrics.push_back(to_json(e));
    return metrics;
  };

  json out = {{"generatedAt", now_ms},
              {"keyId", key_id_hex(rules_.key_id)},
              {"schema", rules_.schema_id},
              {"windowSeconds", rules_.window_seconds},
              {"minReportsPerCell", rules_.min_reports_per_cell},
              {"epsilonPerReport", epsilon_per_report(rules_)}};

  Stmt windows(db_, "SELECT win, reports, support FROM sums WHERE schema = ? ORDER BY win DESC LIMIT ?");
  windows.bind(1, rules_.schema_id).bind(2, static_cast<int64_t>(options_.max_insight_windows));
  std::vector<int64_t> ids;
  std::vector<Sums> listed;
  while (windows.step() == SQLITE_ROW) {
    ids.push_back(windows.col(0));
    listed.push_back({0, empty_support(rules_), static_cast<uint64_t>(ids.back())});
    add_row(windows, listed.back());
  }

  // Sums are additive: every retained window together (each report is one
  // browser-window), the listed ones and any older ones past the list.
  Sums total{0, empty_support(rules_)};
  int64_t count = 0;
  Stmt all(db_, "SELECT win, reports, support FROM sums WHERE schema = ?");
  all.bind(1, rules_.schema_id);
  while (all.step() == SQLITE_ROW) {
    ++count;
    add_row(all, total);
  }

  // Estimated together, so that no figure shown gives away a cell hidden in another.
  Published published = publish_estimates(rules_, listed, total);
  json list = json::array();
  for (size_t i = 0; i < listed.size(); ++i) {
    list.push_back({{"window", ids[i]},
                    {"start", ids[i] * rules_.window_seconds * 1000},
                    {"end", (ids[i] + 1) * rules_.window_seconds * 1000},
                    {"reports", listed[i].reports},
                    {"metrics", metrics_json(published.windows[i])}});
  }
  out["windows"] = list;
  out["total"] = {{"reports", total.reports}, {"windows", count}, {"metrics", metrics_json(published.total)}};
  return out;
}

namespace {

// "Authorization: Bearer TOKEN" (the scheme in any case, RFC 7235), else ?token=.
std::string presented_token(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  size_t space = auth.find(' ');
  if (space != std::string::npos && ascii_iequals(auth.substr(0, space), "bearer")) {
    size_t token = auth.find_first_not_of(' ', space);
    return token == std::string::npos ? std::string() : auth.substr(token);
  }
  return req.has_param("token") ? req.get_param_value("token") : "";
}

PostSource source_of(const httplib::Request& req) {
  // Views into the request's headers, which outlive the call they are used in.
  auto header = [&req](const char* name) -> std::string_view {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string_view() : std::string_view(it->second);
  };
  return {header("Origin"), header("Host"), header("Sec-Fetch-Site")};
}

// 403 for a page of an origin that may not post, 415 for a body that is not
// a report's type; true if refused (nothing is read or stored then).
bool refuse_post(const Collector& collector, const httplib::Request& req, httplib::Response& res) {
  if (!origin_allowed(collector.rules().allowed_origins, source_of(req))) {
    res.status = 403;
    res.set_content("origin not allowed to send reports", "text/plain");
    return true;
  }
  if (!is_octet_stream(req.get_header_value("Content-Type"))) {
    res.status = 415;
    res.set_content("reports are application/octet-stream", "text/plain");
    return true;
  }
  return false;
}

// 405 for every method a route does not take, with the ones it does.
void refuse_methods(httplib::Server& server, const std::string& path, const std::vector<std::string>& methods,
                    const std::string& allow) {
  auto refuse = [allow](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", allow);
  };
  for (const std::string& m : methods) {
    if (m == "GET") server.Get(path, refuse);  // HEAD too
    if (m == "POST") server.Post(path, refuse);
    if (m == "PUT") server.Put(path, refuse);
    if (m == "PATCH") server.Patch(path, refuse);
    if (m == "DELETE") server.Delete(path, refuse);
  }
}

void no_store(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
}

// CORS for an allowed origin (a POST and its preflight alike).
void allow_origin(const Collector& collector, const std::string& origin, httplib::Response& res) {
  const auto& allowed = collector.rules().allowed_origins;
  if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Vary", "Origin");
  }
}

const char* const kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

void mount_collector(httplib::Server& server, Collector& collector) {
  const std::string path = collect_path(collector.rules().collector);
  server.set_payload_max_length(collector.options().max_body);  // 413 (httplib reads and drops the body first)

  server.Options(path, [&collector](const httplib::Request& req, httplib::Response& res) {
    if (!origin_allowed(collector.rules().allowed_origins, source_of(req))) {
      res.status = 403;  // the browser then never sends the post
      return;
    }
    allow_origin(collector, req.get_header_value("Origin"), res);
    res.set_header("Access-Control-Allow-Methods", "POST");
    res.set_header("Access-Control-Allow-Headers", "Content-Type");
    res.set_header("Access-Control-Max-Age", "86400");
    res.status = 204;
  });
  server.Post(path, [&collector](const httplib::Request& req, httplib::Response& res) {
    no_store(res);
    if (refuse_post(collector, req, res)) return;
    allow_origin(collector, req.get_header_value("Origin"), res);
    std::string refusal;
    res.status = collector.ingest(req.body, req.remote_addr, -1, &refusal);
    if (!refusal.empty()) res.set_content(refusal, "text/plain");
  });
  refuse_methods(server, path, {"GET", "PUT", "PATCH", "DELETE"}, "POST, OPTIONS");
  for (const char* read_only : {"/api/insights", "/insights"}) {
    refuse_methods(server, read_only, {"POST", "PUT", "PATCH", "DELETE"}, "GET");
  }
  server.Get("/api/insights", [&collector](const httplib::Request& req, httplib::Response& res) {
    no_store(res);
    if (!collector.token_ok(presented_token(req))) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content("{\"error\":\"the owner's token is required\"}", "application/json");
      return;
    }
    res.set_content(collector.insights_json().dump(), "application/json");
  });
  server.Get("/insights", [&collector](const httplib::Request& req, httplib::Response& res) {
    no_store(res);
    res.set_header("Content-Security-Policy", kDashboardCsp);
    if (!collector.token_ok(presented_token(req))) {
      res.status = 401;
      res.set_content("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Tactful insights</title>"
                      "<main><h1>Tactful insights</h1><p>The owner's token is missing or wrong: open this page "
                      "with ?token=YOUR_TOKEN (the token the collector was started with).</p></main></html>",
                      "text/html; charset=utf-8");
      return;
    }
    res.set_content(kDashboardHtml, "text/html; charset=utf-8");
  });
  server.Get("/insights/dashboard.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(kDashboardJs, "text/javascript; charset=utf-8");
  });
  server.Get("/insights/dashboard.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(kDashboardCss, "text/css; charset=utf-8");
  });
  // Linked by the page: without an icon of its own the browser asks the site for
  // /favicon.ico, a 404 (and a console error) on a site that has none.
  server.Get("/insights/icon.svg", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "max-age=86400");
    res.set_content(kDashboardIcon, "image/svg+xml");
  });
  server.Get("/insights/chart.umd.js", [&collector](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    if (collector.chart_js().empty()) {
      res.status = 404;
      return;
    }
    res.set_header("Cache-Control", "max-age=86400");
    res.set_content(collector.chart_js(), "text/javascript; charset=utf-8");
  });
}

void mount_collector(FrontServer& server, Collector& collector) {
  mount_collector(static_cast<httplib::Server&>(server), collector);
  // The same answers as the route above, but every report of a round in one
  // commit. A post the route above would refuse goes to it instead (the filter).
  auto plain = [&collector](const FrontServer::PostHead& head) {
    return is_octet_stream(head.content_type) &&
           origin_allowed(collector.rules().allowed_origins, {head.origin, head.host, head.fetch_site});
  };
  server.batch_post(collect_path(collector.rules().collector), [&collector](std::vector<FrontServer::Posted>& batch) {
    std::vector<Collector::Opened> opened(batch.size());
    std::vector<const Collector::Opened*> admitted;
    std::vector<size_t> first_of_origin;  // the first admitted post from each origin
    for (size_t i = 0; i < batch.size(); ++i) {
      FrontServer::Posted& post = batch[i];
      post.res.status = collector.admit(post.body, std::string(post.client_ip), opened[i]);
      if (post.res.status == 0) {
        admitted.push_back(&opened[i]);
        // Every admitted report gets the commit's status, so its answer
        // depends only on its origin: headers built once per origin.
        auto same = std::find_if(first_of_origin.begin(), first_of_origin.end(),
                                 [&](size_t j) { return batch[j].origin == post.origin; });
        if (same != first_of_origin.end()) {
          post.same_as = *same;
          continue;
        }
        first_of_origin.push_back(i);
      }
      allow_origin(collector, std::string(post.origin), post.res);
      no_store(post.res);
      if (post.res.status != 0) post.res.set_content(opened[i].refusal, "text/plain");
    }
    if (admitted.empty()) return;
    int status = collector.commit(admitted);
    for (FrontServer::Posted& post : batch) {
      if (post.res.status == 0) post.res.status = status;
    }
  }, plain);
}

namespace {

const char kDashboardHtml[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Tactful insights</title>
<link rel="icon" href="/insights/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/insights/dashboard.css">
<script src="/insights/chart.umd.js" defer></script>
<script src="/insights/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Tactful insights</h1>
  <p class="lede">Estimates from noised, aggregated reports: no visitor can be singled out. Each bar shows the
  de-biased count with its 95% confidence interval; cells with too few reports are hidden, and so are the fewest
  others needed so that none of them can be worked out from the rest.</p>
  <label>Window <select id="window"></select></label>
  <p id="summary" role="status"></p>
</header>
<main id="metrics"></main>
</body>
</html>
)html";

const char kDashboardIcon[] =
    R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2" y="8" width="3" height="6" fill="#3b6fd8"/><rect x="6.5" y="4" width="3" height="10" fill="#3b6fd8"/><rect x="11" y="6" width="3" height="8" fill="#3b6fd8"/></svg>)svg";

const char kDashboardCss[] = R"css(
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1rem 1.5rem; color: #1d2330; }
h1 { margin: .2rem 0; font-size: 1.6rem; }
.lede { color: #4a5163; max-width: 46rem; }
section { border: 1px solid #d8dce6; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
section h2 { margin: 0 0 .3rem; font-size: 1.15rem; }
.meta { color: #5a6275; font-size: .9rem; margin: 0 0 .6rem; }
.chart { position: relative; height: 260px; }
table { border-collapse: collapse; width: 100%; margin-top: .8rem; font-size: .92rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eceef3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.suppressed { color: #5a6275; font-style: italic; }
select { font: inherit; padding: .2rem; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
@media (max-width: 480px) {
  body { padding: .75rem; }
  section { padding: .6rem; }
  table { font-size: .85rem; }
  th, td { padding: .25rem .25rem; }
  /* A long id with no "|" or "-" to wrap at (ids may use "_") breaks where it must, not past the screen's edge. */
  th[scope="row"] { overflow-wrap: anywhere; min-width: 6.5rem; }
}
)css";

const char kDashboardJs[] = R"js('use strict';
(function () {
  // Only from the address: this page is served only with it, and storage on
  // the site's origin is open to the site's own pages and their scripts.
  var token = new URLSearchParams(location.search).get('token') || '';
  var data = null;
  var charts = [];
  var select = document.getElementById('window');
  var main = document.getElementById('metrics');
  var summary = document.getElementById('summary');

  function fmt(x, digits) { return x === null || x === undefined ? '' : Number(x).toFixed(digits === undefined ? 0 : digits); }
  function pct(x) { return x === null || x === undefined ? '' : (100 * x).toFixed(1) + '%'; }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function row(table, cells, cls) {
    var tr = el('tr'); if (cls) tr.className = cls;
    cells.forEach(function (c, i) {
      var td = el(i === 0 ? 'th' : 'td', i === 0 ? undefined : c);
      // A label may wrap after its "|" (variant|outcome), not inside a word, on a narrow screen.
      if (i === 0) { td.scope = 'row'; c.split('|').forEach(function (part, j) { if (j) td.append('|', el('wbr')); td.append(part); }); }
      else td.className = 'num';
      tr.appendChild(td);
    });
    table.appendChild(tr);
    return tr;
  }
  // A table with its caption and column headers (th scope=col), for screen readers and the charts' descriptions.
  function table(caption, heads) {
    var t = el('table');
    t.appendChild(el('caption', caption));
    var tr = el('tr');
    heads.forEach(function (h, i) { var th = el('th', h); th.scope = 'col'; if (i > 0) th.className = 'num'; tr.appendChild(th); });
    t.appendChild(tr);
    return t;
  }
  // Why a rate shown has no lift, in words (docs/report-format.md): default
  // is what the others are measured against; a default rate that is hidden,
  // or could be 0, gives nothing to divide by; else the ratio's interval is
  // unbounded, so any lift would fit.
  function noLift(rates, i) {
    var base = rates[0];
    if (i === 0) return 'baseline';
    if (base.suppressed) return 'not estimated: default\'s rate is hidden';
    if (!(base.rate > 0) || !(base.ci95[0] > 0)) return 'not estimated: default\'s rate could be 0';
    return 'not estimated: too uncertain yet';
  }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  // What each kind of metric counts, in the owner's words (docs/report-format.md, "Domains").
  var kinds = {
    slotShownClicked: 'Per browser and window: the slot variant shown most (default is the slot\'s own content), and whether it was clicked.',
    slotShownConverted: 'Per browser and window: the slot variant shown most (default is the slot\'s own content), and whether the visitor converted.',
    topInterest: 'Per browser and window: the visitor\'s top interest.',
    converted: 'Per browser and window: whether the visitor converted.',
    pagesPerVisit: 'Per browser and window: page views per visit, rounded, in buckets.'
  };
  function day(ms) { return new Date(ms).toISOString().slice(0, 16).replace('T', ' '); }

  function render() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    main.textContent = '';
    var view = select.value === 'total' ? data.total : data.windows[Number(select.value)];
    if (!view || !view.reports) {
      summary.textContent = 'No reports yet. Browsers whose visitors turned on anonymous statistics send one report per window; estimates appear here once ' +
        data.minReportsPerCell + ' or more have arrived.';
      return;
    }
    summary.textContent = plural(view.reports, 'report') + (select.value === 'total' ? ' in ' + plural(view.windows, 'window') : '') +
      ' · ε per report ' + fmt(data.epsilonPerReport, 2) + ' · cells under ' + data.minReportsPerCell + ' are hidden, and so are the fewest others needed so that none of them can be worked out from the rest' +
      (view.reports < data.minReportsPerCell ? ' · too few reports for any estimate yet: every cell is hidden' : '');
    view.metrics.forEach(function (m) {
      var s = el('section');
      s.appendChild(el('h2', m.id));
      s.appendChild(el('p', m.kind + ' · ε = ' + fmt(m.epsilon, 2) + ' · ' + plural(m.reports, 'report'), 'meta'));
      if (kinds[m.kind]) s.appendChild(el('p', kinds[m.kind], 'meta'));
      var shown = m.cells.filter(function (c) { return !c.suppressed; });
      if (window.Chart && shown.length) {
        var box = el('div', undefined, 'chart');
        var canvas = el('canvas');
        canvas.setAttribute('role', 'img');
        // The chart's text alternative: every bar it draws, with its interval.
        canvas.setAttribute('aria-label', 'Bar chart of estimated counts for ' + m.id + ' with 95% intervals: ' +
          shown.map(function (c) { return c.label + ' ' + fmt(c.estimate) + ' (' + fmt(c.ci95[0]) + ' to ' + fmt(c.ci95[1]) + ')'; }).join('; '));
        box.appendChild(canvas);
        s.appendChild(box);
        charts.push(new window.Chart(canvas, {
          type: 'bar',
          data: {
            labels: shown.map(function (c) { return c.label; }),
            datasets: [
              { label: 'estimate', data: shown.map(function (c) { return Math.max(0, c.estimate); }), backgroundColor: '#3b6fd8', grouped: false, order: 2 },
              { label: '95% interval', data: shown.map(function (c) { return [Math.max(0, c.ci95[0]), Math.max(0, c.ci95[1])]; }),
                backgroundColor: 'rgba(20, 30, 60, 0.35)', barPercentage: 0.2, grouped: false, order: 1 }
            ]
          },
          options: { responsive: true, maintainAspectRatio: false, animation: false,
                     scales: { x: { stacked: false }, y: { beginAtZero: true } } }
        }));
      }
      var t = table('Estimated counts for ' + m.id, ['value', 'estimate', '95% low', '95% high']);
      m.cells.forEach(function (c) {
        // "hidden", never why: saying which hidden cells are under the minimum
        // would narrow down the others (docs/report-format.md, complementary suppression).
        if (c.suppressed) row(t, [c.label, 'hidden', '', ''], 'suppressed');
        else row(t, [c.label, fmt(c.estimate), fmt(c.ci95[0]), fmt(c.ci95[1])]);
      });
      s.appendChild(t);
      if (m.rates) {
        var r = table('Rates for ' + m.id, ['variant', 'rate', '95% interval', 'lift over default']);
        m.rates.forEach(function (v, i) {
          if (v.suppressed) { row(r, [v.variant, 'hidden', '', ''], 'suppressed'); return; }
          var tr = row(r, [v.variant, pct(v.rate), pct(v.ci95[0]) + ' – ' + pct(v.ci95[1]),
                           v.lift ? pct(v.lift.value) + ' (' + pct(v.lift.ci95[0]) + ' – ' + pct(v.lift.ci95[1]) + ')' : noLift(m.rates, i)]);
          if (!v.lift) tr.lastChild.className = 'num suppressed';
        });
        s.appendChild(r);
      }
      main.appendChild(s);
    });
  }

  fetch('/api/insights', { headers: { Authorization: 'Bearer ' + token }, credentials: 'omit', cache: 'no-store' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(function (json) {
      data = json;
      select.appendChild(new Option('All retained windows', 'total'));
      data.windows.forEach(function (w, i) { select.appendChild(new Option(day(w.start) + ' to ' + day(w.end) + ' UTC', String(i))); });
      select.addEventListener('change', render);
      render();
    })
    .catch(function (e) { summary.textContent = 'Could not load insights: ' + e.message; });
})();
)js";

}  // namespace

}  // namespace tactful
