// The collector: receives sealed reports, stores additive sums durably in
// SQLite, and serves de-noised estimates to the site owner. It reads the same
// site config as the browser, so both derive the same report layout.
// Client IP addresses are used only in memory, for rate limiting.
#pragma once
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tactful/json.hpp"
#include "tactful/report.hpp"

struct sqlite3;
namespace httplib {
class Server;
}

namespace tactful {

class FrontServer;

struct CollectorOptions {
  json config;                   // the site config, as the browser loads it
  std::string secret_key_path;   // written by `tactful keygen`
  std::string db_path;           // SQLite file (WAL); created if missing; held exclusively while open
  std::string token;             // the owner's token for /api/insights and /insights
  std::string chart_js_path;     // Chart.js UMD build (node_modules/chart.js/dist/chart.umd.js)
  double rate_per_second = 2;    // per client IP, sustained
  double rate_burst = 20;        // per client IP, bucket size
  size_t max_body = 4096;        // larger bodies get 413 (raised to the config's report size if that is larger)
  size_t max_insight_windows = 60;
  // Every commit reaches the WAL file before ingest() answers, so a killed
  // process (kill -9) loses no acknowledged report either way. power_safe also
  // fsyncs each group commit (synchronous=FULL): survives power loss, costs throughput.
  bool power_safe = false;
};

// Loads the secret key file (base64 of 32 bytes, one line).
SecretKey read_secret_key(const std::string& path);  // throws std::runtime_error

// The reporting rules of a site config, parsed exactly as the browser does
// (taxonomy, slots' variants, reporting, metrics); throws on the first error.
ReportRules report_rules_from_config(const json& config);
// Reads and parses a JSON file; throws with the file name on failure.
json read_json_file(const std::string& path);

class Collector {
 public:
  explicit Collector(CollectorOptions options);  // throws std::runtime_error on bad config/key/db
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // 204 accepted (a replay too: it is acknowledged but not counted again),
  // 400 malformed, 413 too large, 429 rate-limited, 500 store failure.
  // Returns only after the report is committed to disk. now_ms < 0: the clock.
  // `refusal`, if given, gets why a 400 or 429 was answered (for the answer's body).
  int ingest(const std::string& body, const std::string& client_ip, int64_t now_ms = -1,
             std::string* refusal = nullptr);

  // One checked, opened report, ready for a commit.
  struct Opened {
    uint64_t window = 0;
    std::array<uint8_t, 32> digest{};  // BLAKE2b-256 of the sealed body: the replay key
    std::vector<uint8_t> plaintext;
    std::string refusal;  // why admit() refused it, in words a sender can act on
  };
  // ingest() in two steps, for a server that reads many requests before it
  // answers any (FrontServer). admit() returns a report's answer (413, 429,
  // 400), or 0 with the report opened into `out`. commit() stores admitted
  // reports in one transaction and returns the answer for all of them (204,
  // or 500). Answer 204 only after commit() has returned it.
  int admit(std::string_view body, const std::string& client_ip, Opened& out, int64_t now_ms = -1);
  int commit(const std::vector<const Opened*>& reports, int64_t now_ms = -1);

  // Estimates per window and metric, and over all retained windows.
  json insights_json(int64_t now_ms = -1);
  // Deletes sums and replay digests older than retentionDays.
  void apply_retention(int64_t now_ms = -1);
  // The oldest window retentionDays keeps; older ones are deleted and refused.
  uint64_t oldest_retained_window(int64_t now_ms) const;

  const ReportRules& rules() const { return rules_; }
  const CollectorOptions& options() const { return options_; }
  bool token_ok(const std::string& presented) const;
  const std::string& chart_js() const { return chart_js_; }

 private:
  // One opened report waiting for its group commit; lives on its request's stack.
  struct Pending {
    Opened report;
    std::mutex mu;               // guards the three below
    std::condition_variable cv;  // its request waits here for them
    int status = 0;
    bool done = false;  // committed (or failed): status is its answer
    bool lead = false;  // handed the committer's role
  };
  struct Statements;  // prepared once, used under db_mu_
  bool rate_allowed(const std::string& ip, int64_t now_ms);
  static std::array<uint8_t, 32> token_digest(const std::string& token);
  int commit_batch(const std::vector<const Opened*>& batch);
  void commit_group(Pending& self);  // by the one committer; `self` is among the queued
  // Adds to a window's stored sums (under db_mu_, in a transaction); throws on failure.
  void add_to_sums(uint64_t window, uint64_t reports, const std::vector<std::vector<uint64_t>>& support);
  void migrate_legacy_store();
  void exec(const char* sql);

  CollectorOptions options_;
  ReportRules rules_;
  SecretKey sk_{};
  std::array<uint8_t, 32> token_digest_{};  // of options_.token
  std::string chart_js_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> stmts_;

  std::mutex rate_mu_;
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  std::map<std::string, Bucket> buckets_;

  std::mutex queue_mu_;
  std::vector<Pending*> queue_;
  bool committing_ = false;  // some request commits (or waits to)
  std::mutex db_mu_;  // one connection, shared by the committer and readers
  std::atomic<int64_t> last_retention_ms_{0};  // read by every request, written under db_mu_
};

// Registers POST /collect (+ CORS preflight for reporting.allowedOrigins),
// GET /api/insights, GET /insights and its two scripts. `collector` must outlive `server`.
void mount_collector(httplib::Server& server, Collector& collector);
// The same, and POST /collect as the front's batch route: its workers take
// the reports of one round of reading into one commit. The answers are the same.
void mount_collector(FrontServer& server, Collector& collector);

}  // namespace tactful
