// From summed reports to what the site owner may see: de-biased counts with
// 95 % confidence intervals, rates and lift per slot variant, and k-minimum
// suppression of small cells (and of the cells that would reveal them). Sums are additive, so any number of collectors
// can add theirs before estimating.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tactful/json.hpp"
#include "tactful/report.hpp"

namespace tactful {

struct CellEstimate {
  std::string label;
  double count = 0, ci_low = 0, ci_high = 0;
  bool suppressed = false;  // fewer than minReportsPerCell estimated reports: nothing shown
  // No browser can truly report this value (the config rules it out): its
  // estimate is noise alone, so hidden or not, no other cell need cover it.
  bool impossible = false;
};

// Per variant of a slot metric: clicked (or converted) / shown, and lift over "default".
struct RateEstimate {
  std::string variant;
  double rate = 0, ci_low = 0, ci_high = 0;
  bool suppressed = false;
  bool has_lift = false;
  double lift = 0, lift_low = 0, lift_high = 0;  // rate / default's rate - 1
};

struct MetricEstimate {
  std::string id;
  MetricKind kind = MetricKind::Converted;
  double epsilon = 0;
  uint64_t reports = 0;
  std::vector<CellEstimate> cells;
  std::vector<RateEstimate> rates;  // slot kinds only
};

// `support[i]` = how many of the `reports` supported domain value i.
MetricEstimate estimate_metric(const MetricRule& rule, const std::vector<uint64_t>& support, uint64_t reports,
                               uint32_t min_reports_per_cell);

json to_json(const MetricEstimate& e);

// Reports summed over one window or several: per metric (config order), per cell.
struct Sums {
  uint64_t reports = 0;
  std::vector<std::vector<uint64_t>> support;
  uint64_t window = 0;  // its id: what is hidden does not depend on the order windows are listed in
};
// What the owner may see: every metric's estimates per listed window and
// over all windows (`total`, which may hold windows not listed), with the
// cells under the minimum and those that would give them away suppressed
// (suppress.hpp). `published.windows[i]` is `listed[i]`'s, whatever their order.
struct Published {
  std::vector<std::vector<MetricEstimate>> windows;
  std::vector<MetricEstimate> total;
};
Published publish_estimates(const ReportRules& rules, const std::vector<Sums>& listed, const Sums& total);

}  // namespace tactful
