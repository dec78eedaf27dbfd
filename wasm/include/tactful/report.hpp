// The reporting rules of a site config, the per-window local accumulator, and
// the one fixed-size, noised, sealed report a browser sends per window.
// The wire format is specified in docs/report-format.md; the collector parses
// the same config with the same function, so both sides derive identical
// metric domains, sizes and schema id.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"
#include "tactful/ldp.hpp"
#include "tactful/random.hpp"
#include "tactful/result.hpp"
#include "tactful/seal.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

constexpr uint8_t kReportVersion = 1;
constexpr size_t kReportHeaderSize = 5;      // version u8, key id [4] (cleartext)
constexpr size_t kPlaintextHeaderSize = 13;  // version u8, schema id u32, window id u64
constexpr size_t kPlaintextAlign = 32;       // payloads are zero-padded to a multiple of this

enum class MetricKind : uint8_t { SlotShownClicked, SlotShownConverted, TopInterest, Converted, PagesPerVisit };
const char* metric_kind_name(MetricKind kind);

// Variant ids per slot, from the decision rules (the decide module owns slots).
// "default" (the slot's own content, also the holdout) is always added first.
using SlotVariants = std::map<std::string, std::vector<std::string>>;
// The variant ids a config's `slots` declare ([{id, variants: [{id}|"id"]}] or {id: {...}}).
SlotVariants slot_variants_from_config(const json& root);

struct MetricRule {
  std::string id;
  MetricKind kind = MetricKind::Converted;
  std::string slot;                     // slot kinds only
  double epsilon = 0;
  std::vector<std::string> categories;  // data categories it uses; any disallowed -> "no data"
  std::vector<std::string> variants;    // slot kinds: "default" first
  std::vector<uint32_t> buckets;        // pagesPerVisit: lower edges, increasing
  std::vector<std::string> labels;      // one per domain value; the last is "(no data)"
  LdpParams ldp{};
  size_t offset = 0;                    // of its encoding within the plaintext
};

struct ReportRules {
  bool enabled = false;  // a `reporting` section exists
  std::string collector = "/collect";
  PublicKey public_key{};
  std::array<uint8_t, 4> key_id{};
  int64_t window_seconds = 86400;
  double epsilon_budget = 4.0;
  uint32_t send_delay_min_ms = 1000, send_delay_max_ms = 30000;
  std::vector<std::string> allowed_origins;
  uint32_t min_reports_per_cell = 20;
  uint32_t retention_days = 90;
  std::vector<MetricRule> metrics;
  uint32_t schema_id = 0;      // binds a report to this exact metric layout
  size_t plaintext_size = 0;   // padded
  size_t report_size = 0;      // bytes on the wire
};

ReportRules parse_report_rules(const json& root, const Taxonomy& taxonomy, const SlotVariants& slots,
                               Diagnostics& diag);

// First 4 bytes of BLAKE2b-128(public key); printed as 8 hex digits.
std::array<uint8_t, 4> key_id_of(const PublicKey& pk);
std::string key_id_hex(const std::array<uint8_t, 4>& id);

// A browser's window starts when it first accumulates (or right after the
// previous one closed) and lasts windowSeconds. On the wire it is named by
// the epoch-aligned window its start falls in: floor(start seconds / windowSeconds),
// a label shared by every browser, never a per-browser time.
uint64_t window_id_at(const ReportRules& rules, int64_t now_ms);

// ε a report spends: every metric is randomized once per window.
double epsilon_per_report(const ReportRules& rules);
inline double epsilon_spent(const ReportRules& rules) { return epsilon_per_report(rules); }

// What one browser saw in one window while `aggregate` was on.
struct WindowAccumulator {
  struct Variant {
    std::string id;
    uint32_t shown = 0;
    bool clicked = false;
  };
  struct Slot {
    std::vector<Variant> variants;  // in order first shown
    int last_shown = -1;
  };
  int64_t started_ms = -1;  // -1: nothing accumulated yet
  std::map<std::string, Slot> slots;
  bool converted = false;
  uint32_t page_views = 0, visits = 0;
  int64_t last_page_view_ms = 0;
  bool reported = false;  // the window's one report was built

  bool started() const { return started_ms >= 0; }
  void start(int64_t now_ms) { started_ms = now_ms; }
  int64_t ends_at(const ReportRules& rules) const { return started_ms + rules.window_seconds * 1000; }
  bool due(const ReportRules& rules, int64_t now_ms) const { return started() && now_ms >= ends_at(rules); }

  // A showing counts once (`counted`); the same content shown again on its
  // page (re-decided) only becomes the variant last shown. False: no change.
  bool observe_shown(const std::string& slot, const std::string& variant, bool counted = true);
  void observe_click(const std::string& slot);  // credits the variant last shown there
  void observe_conversion();
  void observe_page_view(int64_t now_ms);  // a gap of 30 min starts a new visit

  std::string to_json() const;  // JSON text, as stored
  static Result<WindowAccumulator> from_json(const json& j);
};

// ε spent in the accumulator's window so far: the whole per-report ε once its report was built.
double epsilon_spent(const ReportRules& rules, const WindowAccumulator& acc);

// What the report needs from the profile and consent, never stored in it.
struct ReportInputs {
  std::set<std::string> allowed_categories;  // data categories the visitor allows
  std::string top_interest;                  // empty when none
};

// The true (un-noised) domain index of each metric; the last index means no data.
std::vector<uint32_t> report_values(const ReportRules& rules, const WindowAccumulator& acc,
                                    const ReportInputs& inputs);

// Randomizes `values` into a padded plaintext (exposed for simulations and tests).
std::vector<uint8_t> encode_plaintext(const ReportRules& rules, uint64_t window_id,
                                      const std::vector<uint32_t>& values, RandomSource& rng);

// The whole path: values -> LDP -> pad -> seal -> header. Marks the window reported;
// a second report for the same window is refused so ε per window is never exceeded.
// The window must have started (its start names it on the wire).
Result<std::vector<uint8_t>> build_report(const ReportRules& rules, WindowAccumulator& acc,
                                          const ReportInputs& inputs, RandomSource& rng = secure_random());

// A report checked and opened: its window and each metric's encoded bytes.
struct OpenedReport {
  uint64_t window_id = 0;
  std::vector<uint8_t> plaintext;
  const uint8_t* metric(const MetricRule& m) const { return plaintext.data() + m.offset; }
};
// Checks size, version, key id, seal, schema, padding and every value's domain.
Result<OpenedReport> open_report(const ReportRules& rules, const uint8_t* body, size_t len,
                                 const SecretKey& sk);
Result<OpenedReport> decode_plaintext(const ReportRules& rules, std::vector<uint8_t> plaintext);

}  // namespace tactful
