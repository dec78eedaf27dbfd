#include "collector.hpp"

#include "tactful/base64.hpp"

#include <httplib.h>
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <tuple>
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

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_blob(int i, const std::vector<uint8_t>& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t col(int i) { return sqlite3_column_int64(s_, i); }
  std::string text(int i) {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS reports(win INTEGER NOT NULL, schema INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY(win, schema));
CREATE TABLE IF NOT EXISTS support(win INTEGER NOT NULL, schema INTEGER NOT NULL, metric TEXT NOT NULL,
  cell INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(win, schema, metric, cell));
CREATE TABLE IF NOT EXISTS seen(digest BLOB PRIMARY KEY, win INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS seen_win ON seen(win);
)sql";

std::string collect_path(const std::string& collector) {
  if (collector.rfind("/", 0) == 0) return collector;
  size_t scheme = collector.find("://");
  size_t slash = scheme == std::string::npos ? std::string::npos : collector.find('/', scheme + 3);
  return slash == std::string::npos ? "/collect" : collector.substr(slash);
}

extern const char kDashboardHtml[];
extern const char kDashboardCss[];
extern const char kDashboardJs[];

}  // namespace

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
  sk_ = read_secret_key(options_.secret_key_path);
  if (x25519_public_key(sk_) != rules_.public_key) {
    throw std::runtime_error("the secret key does not match reporting.publicKey (key id " + key_id_hex(rules_.key_id) +
                             ")");
  }
  if (!options_.chart_js_path.empty()) chart_js_ = read_file(options_.chart_js_path);

  if (sqlite3_open_v2(options_.db_path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + options_.db_path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL: a commit is in the log before ingest() returns, so an acknowledged
  // report survives kill -9; power_safe adds an fsync per group commit.
  exec("PRAGMA journal_mode=WAL");
  exec(options_.power_safe ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(kSchema);
  apply_retention();
}

Collector::~Collector() {
  sodium_memzero(sk_.data(), sk_.size());
  sqlite3_close(db_);
}

void Collector::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

bool Collector::token_ok(const std::string& presented) const {
  const std::string& t = options_.token;
  return !t.empty() && presented.size() == t.size() && sodium_memcmp(presented.data(), t.data(), t.size()) == 0;
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

int Collector::ingest(const std::string& body, const std::string& client_ip, int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  if (body.size() > options_.max_body) return 413;
  if (!rate_allowed(client_ip, now_ms)) return 429;
  auto opened = open_report(rules_, reinterpret_cast<const uint8_t*>(body.data()), body.size(), sk_);
  if (!opened.ok()) return 400;
  // Only windows that may still be open or retained: no planting data in the far past or future.
  uint64_t current = window_id_at(rules_, now_ms);
  uint64_t retained = static_cast<uint64_t>(rules_.retention_days) * 86400 / rules_.window_seconds + 1;
  if (opened->window_id > current + 1 || opened->window_id + retained < current) return 400;

  auto pending = std::make_shared<Pending>();
  pending->window = opened->window_id;
  pending->digest.resize(32);
  crypto_generichash(pending->digest.data(), 32, reinterpret_cast<const uint8_t*>(body.data()), body.size(), nullptr, 0);
  pending->plaintext = std::move(opened->plaintext);

  // Group commit without a writer thread: whoever finds no commit running
  // commits everything queued (its own report included) in one transaction;
  // the others wait for that commit and never answer before it.
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_.push_back(pending);
  while (!pending->done) {
    if (committing_) {
      done_cv_.wait(lock);
      continue;
    }
    committing_ = true;
    std::deque<std::shared_ptr<Pending>> batch;
    batch.swap(queue_);
    lock.unlock();
    int status = commit_batch(batch);
    lock.lock();
    for (auto& p : batch) {
      p->status = status;
      p->done = true;
    }
    committing_ = false;
    done_cv_.notify_all();
  }
  int status = pending->status;
  lock.unlock();
  if (now_ms - last_retention_ms_ > 3600 * 1000) apply_retention(now_ms);
  return status;
}

int Collector::commit_batch(std::deque<std::shared_ptr<Pending>>& batch) {
  std::lock_guard<std::mutex> lock(db_mu_);
  try {
    exec("BEGIN IMMEDIATE");
    std::map<std::tuple<uint64_t, size_t, uint32_t>, uint64_t> support;
    std::map<uint64_t, uint64_t> reports;
    {
      Stmt seen(db_, "INSERT OR IGNORE INTO seen(digest, win) VALUES(?, ?)");
      std::vector<uint64_t> counts;
      for (auto& p : batch) {
        seen.bind_blob(1, p->digest).bind(2, static_cast<int64_t>(p->window));
        if (seen.step() != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
        bool fresh = sqlite3_changes(db_) == 1;
        seen.reset();
        if (!fresh) continue;  // a replay: acknowledged, never counted twice
        ++reports[p->window];
        for (size_t m = 0; m < rules_.metrics.size(); ++m) {
          const MetricRule& rule = rules_.metrics[m];
          counts.assign(rule.ldp.domain, 0);
          ldp_accumulate(rule.ldp, p->plaintext.data() + rule.offset, counts);
          for (uint32_t c = 0; c < counts.size(); ++c) {
            if (counts[c]) support[{p->window, m, c}] += counts[c];
          }
        }
      }
    }
    Stmt add_support(db_,
                     "INSERT INTO support(win, schema, metric, cell, count) VALUES(?, ?, ?, ?, ?) "
                     "ON CONFLICT(win, schema, metric, cell) DO UPDATE SET count = count + excluded.count");
    for (const auto& [key, count] : support) {
      add_support.bind(1, static_cast<int64_t>(std::get<0>(key)))
          .bind(2, rules_.schema_id)
          .bind(3, rules_.metrics[std::get<1>(key)].id)
          .bind(4, std::get<2>(key))
          .bind(5, static_cast<int64_t>(count));
      if (add_support.step() != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      add_support.reset();
    }
    Stmt add_reports(db_,
                     "INSERT INTO reports(win, schema, n) VALUES(?, ?, ?) "
                     "ON CONFLICT(win, schema) DO UPDATE SET n = n + excluded.n");
    for (const auto& [win, n] : reports) {
      add_reports.bind(1, static_cast<int64_t>(win)).bind(2, rules_.schema_id).bind(3, static_cast<int64_t>(n));
      if (add_reports.step() != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      add_reports.reset();
    }
    exec("COMMIT");
    return 204;
  } catch (const std::exception&) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return 500;
  }
}

void Collector::apply_retention(int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  std::lock_guard<std::mutex> lock(db_mu_);
  last_retention_ms_ = now_ms;
  int64_t cutoff_ms = now_ms - static_cast<int64_t>(rules_.retention_days) * 86400 * 1000;
  int64_t cutoff = static_cast<int64_t>(window_id_at(rules_, cutoff_ms));
  for (const char* sql : {"DELETE FROM support WHERE win < ?", "DELETE FROM reports WHERE win < ?",
                          "DELETE FROM seen WHERE win < ?"}) {
    Stmt del(db_, sql);
    del.bind(1, cutoff);
    del.step();
  }
}

json Collector::insights_json(int64_t now_ms) {
  if (now_ms < 0) now_ms = clock_ms();
  std::lock_guard<std::mutex> lock(db_mu_);
  std::map<std::string, size_t> metric_index;
  for (size_t m = 0; m < rules_.metrics.size(); ++m) metric_index[rules_.metrics[m].id] = m;

  auto estimates = [&](uint64_t n, const std::vector<std::vector<uint64_t>>& support) {
    json metrics = json::array();
    for (size_t m = 0; m < rules_.metrics.size(); ++m) {
      metrics.push_back(to_json(estimate_metric(rules_.metrics[m], support[m], n, rules_.min_reports_per_cell)));
    }
    return metrics;
  };
  auto empty_support = [&] {
    std::vector<std::vector<uint64_t>> s;
    for (const auto& m : rules_.metrics) s.emplace_back(m.ldp.domain, 0);
    return s;
  };

  json out = {{"generatedAt", now_ms},
              {"keyId", key_id_hex(rules_.key_id)},
              {"schema", rules_.schema_id},
              {"windowSeconds", rules_.window_seconds},
              {"minReportsPerCell", rules_.min_reports_per_cell},
              {"epsilonPerReport", epsilon_per_report(rules_)}};

  Stmt windows(db_, "SELECT win, n FROM reports WHERE schema = ? ORDER BY win DESC LIMIT ?");
  windows.bind(1, rules_.schema_id).bind(2, static_cast<int64_t>(options_.max_insight_windows));
  Stmt cells(db_, "SELECT metric, cell, count FROM support WHERE win = ? AND schema = ?");
  json list = json::array();
  while (windows.step() == SQLITE_ROW) {
    int64_t win = windows.col(0);
    uint64_t n = static_cast<uint64_t>(windows.col(1));
    auto support = empty_support();
    cells.bind(1, win).bind(2, rules_.schema_id);
    while (cells.step() == SQLITE_ROW) {
      auto it = metric_index.find(cells.text(0));
      int64_t cell = cells.col(1);
      if (it != metric_index.end() && cell >= 0 && cell < static_cast<int64_t>(support[it->second].size())) {
        support[it->second][cell] = static_cast<uint64_t>(cells.col(2));
      }
    }
    cells.reset();
    list.push_back({{"window", win},
                    {"start", win * rules_.window_seconds * 1000},
                    {"end", (win + 1) * rules_.window_seconds * 1000},
                    {"reports", n},
                    {"metrics", estimates(n, support)}});
  }
  out["windows"] = list;

  // Sums are additive: every retained window together (each report is one browser-window).
  auto support = empty_support();
  Stmt total(db_, "SELECT metric, cell, SUM(count) FROM support WHERE schema = ? GROUP BY metric, cell");
  total.bind(1, rules_.schema_id);
  while (total.step() == SQLITE_ROW) {
    auto it = metric_index.find(total.text(0));
    int64_t cell = total.col(1);
    if (it != metric_index.end() && cell >= 0 && cell < static_cast<int64_t>(support[it->second].size())) {
      support[it->second][cell] = static_cast<uint64_t>(total.col(2));
    }
  }
  Stmt total_n(db_, "SELECT COALESCE(SUM(n), 0), COUNT(*) FROM reports WHERE schema = ?");
  total_n.bind(1, rules_.schema_id);
  total_n.step();
  uint64_t n = static_cast<uint64_t>(total_n.col(0));
  out["total"] = {{"reports", n}, {"windows", total_n.col(1)}, {"metrics", estimates(n, support)}};
  return out;
}

namespace {

std::string presented_token(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
  return req.has_param("token") ? req.get_param_value("token") : "";
}

void no_store(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
}

const char* const kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

void mount_collector(httplib::Server& server, Collector& collector) {
  const std::string path = collect_path(collector.rules().collector);
  server.set_payload_max_length(collector.options().max_body);  // httplib answers 413 before reading more

  auto cors = [&collector](const httplib::Request& req, httplib::Response& res) {
    std::string origin = req.get_header_value("Origin");
    const auto& allowed = collector.rules().allowed_origins;
    if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
    }
  };
  server.Options(path, [cors](const httplib::Request& req, httplib::Response& res) {
    cors(req, res);
    res.set_header("Access-Control-Allow-Methods", "POST");
    res.set_header("Access-Control-Allow-Headers", "Content-Type");
    res.set_header("Access-Control-Max-Age", "86400");
    res.status = 204;
  });
  server.Post(path, [&collector, cors](const httplib::Request& req, httplib::Response& res) {
    cors(req, res);
    no_store(res);
    res.status = collector.ingest(req.body, req.remote_addr);
  });
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
      res.set_content("<!doctype html><title>Tactful insights</title><p>Open this page with ?token=YOUR_TOKEN.</p>",
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

namespace {

const char kDashboardHtml[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Tactful insights</title>
<link rel="stylesheet" href="/insights/dashboard.css">
<script src="/insights/chart.umd.js" defer></script>
<script src="/insights/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Tactful insights</h1>
  <p class="lede">Estimates from noised, aggregated reports: no visitor can be singled out. Each bar shows the
  de-biased count with its 95% confidence interval; cells with too few reports are hidden.</p>
  <label>Window <select id="window"></select></label>
  <p id="summary" role="status"></p>
</header>
<main id="metrics"></main>
</body>
</html>
)html";

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
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.suppressed { color: #8a90a0; font-style: italic; }
select { font: inherit; padding: .2rem; }
)css";

const char kDashboardJs[] = R"js('use strict';
(function () {
  var params = new URLSearchParams(location.search);
  var token = params.get('token') || sessionStorage.getItem('tactful-insights-token') || '';
  sessionStorage.setItem('tactful-insights-token', token);
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
    cells.forEach(function (c, i) { var td = el(i === 0 ? 'th' : 'td', c); if (i > 0) td.className = 'num'; tr.appendChild(td); });
    table.appendChild(tr);
  }

  function render() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    main.textContent = '';
    var view = select.value === 'total' ? data.total : data.windows[Number(select.value)];
    if (!view) { summary.textContent = 'No reports yet.'; return; }
    summary.textContent = view.reports + ' reports' + (select.value === 'total' ? ' in ' + view.windows + ' windows' : '') +
      ' · ε per report ' + fmt(data.epsilonPerReport, 2) + ' · cells under ' + data.minReportsPerCell + ' are hidden';
    view.metrics.forEach(function (m) {
      var s = el('section');
      s.appendChild(el('h2', m.id));
      s.appendChild(el('p', m.kind + ' · ε = ' + fmt(m.epsilon, 2) + ' · ' + m.reports + ' reports', 'meta'));
      var shown = m.cells.filter(function (c) { return !c.suppressed; });
      if (window.Chart && shown.length) {
        var box = el('div', undefined, 'chart');
        var canvas = el('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', 'Estimated counts for ' + m.id);
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
      var t = el('table');
      row(t, ['value', 'estimate', '95% low', '95% high']);
      m.cells.forEach(function (c) {
        if (c.suppressed) row(t, [c.label, 'hidden (too few)', '', ''], 'suppressed');
        else row(t, [c.label, fmt(c.estimate), fmt(c.ci95[0]), fmt(c.ci95[1])]);
      });
      s.appendChild(t);
      if (m.rates) {
        var r = el('table');
        row(r, ['variant', 'rate', '95% interval', 'lift over default']);
        m.rates.forEach(function (v) {
          if (v.suppressed) { row(r, [v.variant, 'hidden (too few)', '', ''], 'suppressed'); return; }
          row(r, [v.variant, pct(v.rate), pct(v.ci95[0]) + ' – ' + pct(v.ci95[1]),
                  v.lift ? pct(v.lift.value) + ' (' + pct(v.lift.ci95[0]) + ' – ' + pct(v.lift.ci95[1]) + ')' : '']);
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
      data.windows.forEach(function (w, i) { select.appendChild(new Option(new Date(w.start).toISOString(), String(i))); });
      select.addEventListener('change', render);
      render();
    })
    .catch(function (e) { summary.textContent = 'Could not load insights: ' + e.message; });
})();
)js";

}  // namespace

}  // namespace tactful
