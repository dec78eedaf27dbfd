#include "tactful/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "tactful/suppress.hpp"

namespace tactful {

namespace {
constexpr double kZ95 = 1.959963984540054;

json number_or_null(double v, bool hidden) { return hidden || !std::isfinite(v) ? json(nullptr) : json(v); }
}  // namespace

MetricEstimate estimate_metric(const MetricRule& rule, const std::vector<uint64_t>& support, uint64_t reports,
                               uint32_t min_reports_per_cell) {
  MetricEstimate out;
  out.id = rule.id;
  out.kind = rule.kind;
  out.epsilon = rule.epsilon;
  out.reports = reports;
  const double n = static_cast<double>(reports);
  std::vector<LdpEstimate> raw;
  for (size_t i = 0; i < rule.labels.size(); ++i) {
    double s = i < support.size() ? static_cast<double>(support[i]) : 0.0;
    LdpEstimate e = ldp_estimate(rule.ldp, s, n);
    raw.push_back(e);
    CellEstimate cell;
    cell.label = rule.labels[i];
    cell.count = e.count;
    cell.ci_low = e.ci_low;
    cell.ci_high = e.ci_high;
    cell.suppressed = reports < min_reports_per_cell || e.count < min_reports_per_cell;
    // A `converted` metric that needs no category always has a value: its
    // "(no data)" holds no browser (report.cpp, report_values).
    cell.impossible = rule.kind == MetricKind::Converted && rule.categories.empty() && i + 1 == rule.labels.size();
    out.cells.push_back(cell);
  }
  if (rule.kind != MetricKind::SlotShownClicked && rule.kind != MetricKind::SlotShownConverted) return out;

  // Rate r = a/(a+b) with a = outcome, b = no outcome; delta method, with the
  // two cells' covariance (randomized response makes them negatively
  // correlated; ignoring that made the intervals too narrow: 91 % coverage).
  auto clamp_n = [&](double c) { return std::min(std::max(c, 0.0), n); };
  auto cov_of = [&](size_t i, size_t j) { return ldp_covariance(rule.ldp, clamp_n(raw[i].count), clamp_n(raw[j].count), n); };
  std::vector<double> var_r(rule.variants.size(), 0);
  for (size_t v = 0; v < rule.variants.size(); ++v) {
    const LdpEstimate& b = raw[2 * v];
    const LdpEstimate& a = raw[2 * v + 1];
    RateEstimate r;
    r.variant = rule.variants[v];
    double shown = a.count + b.count;
    r.suppressed = reports < min_reports_per_cell || shown < min_reports_per_cell;
    if (shown > 0) {
      r.rate = std::min(std::max(a.count / shown, 0.0), 1.0);
      double cov = cov_of(2 * v, 2 * v + 1);
      var_r[v] = (b.count * b.count * a.variance + a.count * a.count * b.variance - 2 * a.count * b.count * cov) /
                 std::pow(shown, 4);
      // The interval is Fieller's for the ratio a/(a+b): the r for which
      // a - r·(a+b) is within 1.96 standard errors of 0. Unlike rate ± 1.96·sd
      // it is lopsided where it should be (a rate near 0 with a noisy count).
      double va = a.variance, vn = a.variance + b.variance + 2 * cov, can = a.variance + cov;
      double z2 = kZ95 * kZ95;
      double qa = shown * shown - z2 * vn, qb = a.count * shown - z2 * can, qc = a.count * a.count - z2 * va;
      double disc = qb * qb - qa * qc;
      if (qa > 0 && disc >= 0) {
        r.ci_low = std::min(std::max((qb - std::sqrt(disc)) / qa, 0.0), 1.0);
        r.ci_high = std::min(std::max((qb + std::sqrt(disc)) / qa, 0.0), 1.0);
      } else {  // the count shown is itself indistinguishable from 0: the rate could be anything
        r.ci_low = 0;
        r.ci_high = 1;
      }
    } else {
      r.suppressed = true;
    }
    out.rates.push_back(r);
  }

  // Lift L = r_v / r_default - 1, with Fieller's interval for the ratio: the
  // R for which r_v - R·r_default is within 1.96 standard errors of 0, with
  // the two rates' covariance (cells of different variants are correlated
  // under randomized response). The symmetric delta-method interval it
  // replaces covered the true lift 61-89 % of the time at 20,000 reports,
  // because a noisy default rate makes the ratio heavy-tailed. When the
  // default rate is itself indistinguishable from 0 (its interval reaches 0)
  // no finite interval exists, and no lift is given.
  const RateEstimate& base = out.rates[0];
  if (base.suppressed || !(base.rate > 0) || !(base.ci_low > 0)) return out;
  auto grad = [&](size_t v) {  // ∂r/∂a, ∂r/∂b for r = a/(a+b)
    double a = raw[2 * v + 1].count, b = raw[2 * v].count, s = a + b;
    return std::pair<double, double>{b / (s * s), -a / (s * s)};
  };
  const auto g0 = grad(0);
  for (size_t v = 1; v < out.rates.size(); ++v) {
    RateEstimate& r = out.rates[v];
    if (r.suppressed) continue;
    const auto gv = grad(v);
    // Cov(r_v, r_0) = g_v' · Cov((a_v, b_v), (a_0, b_0)) · g_0.
    double cov = gv.first * (g0.first * cov_of(2 * v + 1, 1) + g0.second * cov_of(2 * v + 1, 0)) +
                 gv.second * (g0.first * cov_of(2 * v, 1) + g0.second * cov_of(2 * v, 0));
    double z2 = kZ95 * kZ95;
    double qa = base.rate * base.rate - z2 * var_r[0], qb = r.rate * base.rate - z2 * cov,
           qc = r.rate * r.rate - z2 * var_r[v];
    double disc = qb * qb - qa * qc;
    if (!(qa > 0) || !(disc >= 0)) continue;
    r.has_lift = true;
    r.lift = r.rate / base.rate - 1;
    r.lift_low = std::max((qb - std::sqrt(disc)) / qa, 0.0) - 1;  // a rate is never below 0: nor is the ratio
    r.lift_high = (qb + std::sqrt(disc)) / qa - 1;
  }
  return out;
}

json to_json(const MetricEstimate& e) {
  json j = {{"id", e.id}, {"kind", metric_kind_name(e.kind)}, {"epsilon", e.epsilon}, {"reports", e.reports}};
  json cells = json::array();
  for (const auto& c : e.cells) {
    cells.push_back({{"label", c.label},
                     {"suppressed", c.suppressed},
                     {"estimate", number_or_null(c.count, c.suppressed)},
                     {"ci95", c.suppressed ? json(nullptr) : json::array({c.ci_low, c.ci_high})}});
  }
  j["cells"] = cells;
  if (!e.rates.empty()) {
    json rates = json::array();
    for (const auto& r : e.rates) {
      json o = {{"variant", r.variant},
                {"suppressed", r.suppressed},
                {"rate", number_or_null(r.rate, r.suppressed)},
                {"ci95", r.suppressed ? json(nullptr) : json::array({r.ci_low, r.ci_high})}};
      if (r.has_lift) o["lift"] = {{"value", r.lift}, {"ci95", json::array({r.lift_low, r.lift_high})}};
      rates.push_back(o);
    }
    j["rates"] = rates;
  }
  return j;
}

Published publish_estimates(const ReportRules& rules, const std::vector<Sums>& listed, const Sums& total) {
  // The windows not listed: the total minus the listed ones, as anyone can work out.
  Sums rest = total;
  for (const Sums& w : listed) {
    rest.reports -= std::min(rest.reports, w.reports);
    for (size_t m = 0; m < rest.support.size() && m < w.support.size(); ++m) {
      for (size_t c = 0; c < rest.support[m].size() && c < w.support[m].size(); ++c) {
        rest.support[m][c] -= std::min(rest.support[m][c], w.support[m][c]);
      }
    }
  }
  // Hiding is greedy, so which cells it picks depends on the order of the
  // rows: they go in by window id, so that `tactful aggregate` (oldest
  // first) and the collector (newest first) publish the same figures.
  std::vector<size_t> by_id(listed.size());
  std::iota(by_id.begin(), by_id.end(), size_t{0});
  std::stable_sort(by_id.begin(), by_id.end(), [&](size_t a, size_t b) { return listed[a].window < listed[b].window; });
  const uint32_t k = rules.min_reports_per_cell;
  Published out;
  out.windows.resize(listed.size());
  for (size_t m = 0; m < rules.metrics.size(); ++m) {
    const MetricRule& rule = rules.metrics[m];
    std::vector<MetricEstimate*> rows;
    for (size_t w = 0; w < listed.size(); ++w) {
      out.windows[w].push_back(estimate_metric(rule, listed[w].support[m], listed[w].reports, k));
    }
    for (size_t w : by_id) rows.push_back(&out.windows[w].back());
    out.total.push_back(estimate_metric(rule, total.support[m], total.reports, k));
    MetricEstimate unlisted;
    if (rest.reports > 0) unlisted = estimate_metric(rule, rest.support[m], rest.reports, k);
    suppress_complements(rows, out.total.back(), rest.reports > 0 ? &unlisted : nullptr);
  }
  return out;
}

}  // namespace tactful
