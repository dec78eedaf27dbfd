// Complementary suppression (tactful/suppress.hpp): no hidden cell follows
// from what is published. Checked against an independent solver: Gaussian
// elimination over every published sum, which pins down a hidden cell
// exactly when that cell's unit vector lies in the sums' row space.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tactful/estimate.hpp"
#include "tactful/suppress.hpp"

using namespace tactful;

namespace {

// A row of estimates; cells under `k` hidden, as estimate_metric hides them.
MetricEstimate row(const std::vector<double>& counts, double k) {
  MetricEstimate m;
  double n = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    CellEstimate c;
    c.label = "c" + std::to_string(i);
    c.count = counts[i];
    c.suppressed = counts[i] < k;
    m.cells.push_back(c);
    n += counts[i];
  }
  m.reports = static_cast<uint64_t>(n);
  if (n < k) {
    for (auto& c : m.cells) c.suppressed = true;
  }
  return m;
}

MetricEstimate sum_of(const std::vector<const MetricEstimate*>& rows, double k) {
  std::vector<double> counts(rows[0]->cells.size(), 0);
  for (const auto* r : rows) {
    for (size_t c = 0; c < counts.size(); ++c) counts[c] += r->cells[c].count;
  }
  return row(counts, k);
}

// Which unknowns the published sums determine: every row adds up to its
// reports, every column of the windows (listed and rest) adds up to the
// total's. Unknowns: the hidden cells of listed rows and the total, and
// every cell of the rest. Returns, per unknown (in that order), whether it is determined.
struct Unknown {
  size_t row, col;  // row: listed..., total, rest
};
std::vector<bool> determined(const std::vector<MetricEstimate*>& listed, const MetricEstimate& total,
                             const MetricEstimate* rest, std::vector<Unknown>& unknowns) {
  std::vector<const MetricEstimate*> rows(listed.begin(), listed.end());
  rows.push_back(&total);
  if (rest) rows.push_back(rest);
  const size_t total_row = listed.size(), cols = total.cells.size();
  std::vector<std::vector<int>> index(rows.size(), std::vector<int>(cols, -1));
  unknowns.clear();
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols; ++c) {
      if (rows[r] == rest || rows[r]->cells[c].suppressed) {
        index[r][c] = static_cast<int>(unknowns.size());
        unknowns.push_back({r, c});
      }
    }
  }
  std::vector<std::vector<double>> a;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<double> eq(unknowns.size(), 0);
    for (size_t c = 0; c < cols; ++c) {
      if (index[r][c] >= 0) eq[index[r][c]] = 1;
    }
    a.push_back(eq);
  }
  for (size_t c = 0; c < cols; ++c) {
    std::vector<double> eq(unknowns.size(), 0);
    for (size_t r = 0; r < rows.size(); ++r) {
      if (index[r][c] >= 0) eq[index[r][c]] = r == total_row ? -1 : 1;
    }
    a.push_back(eq);
  }
  // Reduced row echelon form.
  size_t lead = 0;
  for (size_t col = 0; col < unknowns.size() && lead < a.size(); ++col) {
    size_t pivot = lead;
    for (size_t i = lead; i < a.size(); ++i) {
      if (std::fabs(a[i][col]) > std::fabs(a[pivot][col])) pivot = i;
    }
    if (std::fabs(a[pivot][col]) < 1e-9) continue;
    std::swap(a[pivot], a[lead]);
    double p = a[lead][col];
    for (double& v : a[lead]) v /= p;
    for (size_t i = 0; i < a.size(); ++i) {
      if (i == lead || std::fabs(a[i][col]) < 1e-12) continue;
      double f = a[i][col];
      for (size_t j = 0; j < unknowns.size(); ++j) a[i][j] -= f * a[lead][j];
    }
    ++lead;
  }
  std::vector<bool> out(unknowns.size(), false);
  for (const auto& eq : a) {
    size_t nonzero = 0, at = 0;
    for (size_t j = 0; j < eq.size(); ++j) {
      if (std::fabs(eq[j]) > 1e-9) {
        ++nonzero;
        at = j;
      }
    }
    if (nonzero == 1) out[at] = true;
  }
  return out;
}

// How many hidden published cells, and cells of the rest under `k`, the sums determine.
size_t revealed(const std::vector<MetricEstimate*>& listed, const MetricEstimate& total, const MetricEstimate* rest,
                double k) {
  std::vector<Unknown> unknowns;
  auto pinned = determined(listed, total, rest, unknowns);
  size_t n = 0;
  for (size_t i = 0; i < unknowns.size(); ++i) {
    bool is_rest = unknowns[i].row == listed.size() + 1;
    if (is_rest && rest->cells[unknowns[i].col].count >= k && rest->reports >= k) continue;
    n += pinned[i];
  }
  return n;
}

// Rules with one metric under randomized response, and the demo's minimum of 20.
ReportRules one_metric(MetricKind kind, std::vector<std::string> labels, double epsilon) {
  ReportRules rules;
  rules.min_reports_per_cell = 20;
  MetricRule rule;
  rule.id = "m";
  rule.kind = kind;
  rule.ldp = choose_mechanism(static_cast<uint32_t>(labels.size()), epsilon);
  REQUIRE(rule.ldp.mechanism == Mechanism::RandomizedResponse);
  rule.labels = std::move(labels);
  rule.epsilon = epsilon;
  rules.metrics.push_back(rule);
  return rules;
}

size_t hidden(const MetricEstimate& m) {
  size_t n = 0;
  for (const auto& c : m.cells) n += c.suppressed;
  return n;
}

}  // namespace

TEST_CASE("suppression: a hidden cell is not the difference between its window's reports and the cells shown") {
  // The audit's case: with k = 300, trail|clicked (204) is hidden; trail's
  // rate and trail|not clicked would give it back (rate·b/(1−rate)).
  const double k = 300;
  MetricEstimate w = row({1000, 400, 3969, 204, 2500}, k);
  w.rates = {RateEstimate{"default"}, RateEstimate{"trail"}};
  w.rates[1].has_lift = true;
  MetricEstimate total = w;
  std::vector<MetricEstimate*> listed = {&w};
  CHECK(revealed(listed, total, nullptr, k) == 2);  // in the window and in the total
  suppress_complements(listed, total, nullptr);
  CHECK(w.cells[3].suppressed);
  CHECK(hidden(w) >= 2);
  CHECK(hidden(total) >= 2);
  CHECK(w.rates[1].suppressed);  // its clicked cell is hidden
  CHECK_FALSE(w.rates[1].has_lift);
  CHECK(total.rates[1].suppressed);
  // The smallest cell shown before covers it: 400, not the large ones.
  CHECK(w.cells[1].suppressed);
  CHECK_FALSE(w.cells[2].suppressed);
  CHECK_FALSE(w.cells[4].suppressed);
  CHECK(revealed(listed, total, nullptr, k) == 0);
}

TEST_CASE("suppression: a small window is not the total minus the other windows") {
  const double k = 50;
  // A window just begun: 20 reports, every cell hidden; the others large.
  MetricEstimate a = row({400, 300, 200}, k), b = row({500, 100, 300}, k), c = row({10, 6, 4}, k);
  MetricEstimate total = sum_of({&a, &b, &c}, k);
  REQUIRE(hidden(c) == 3);
  REQUIRE(hidden(total) == 0);
  std::vector<MetricEstimate*> listed = {&a, &b, &c};
  CHECK(revealed(listed, total, nullptr, k) == 3);
  suppress_complements(listed, total, nullptr);
  CHECK(revealed(listed, total, nullptr, k) == 0);
  CHECK(hidden(a) + hidden(b) + hidden(total) > 0);
}

TEST_CASE("suppression: windows left out of the list count, and a small one among them stays unknown") {
  const double k = 50;
  MetricEstimate a = row({400, 300, 200}, k), b = row({500, 100, 300}, k);
  MetricEstimate rest = row({300, 20, 300}, k);  // older windows: 20 is under the minimum
  MetricEstimate total = sum_of({&a, &b, &rest}, k);
  std::vector<MetricEstimate*> listed = {&a, &b};
  CHECK(revealed(listed, total, &rest, k) == 1);  // total − a − b gives the rest's 20
  suppress_complements(listed, total, &rest);
  CHECK(revealed(listed, total, &rest, k) == 0);
  CHECK(hidden(a) + hidden(b) + hidden(total) >= 1);
}

TEST_CASE("suppression: a rate needs both of its cells, a lift both rates") {
  MetricEstimate w = row({1000, 20, 3000, 500, 0}, 50);  // default|clicked is small, and so is (no data)
  w.rates = {RateEstimate{"default"}, RateEstimate{"trail"}};
  w.rates[1].has_lift = true;
  MetricEstimate total = w;
  std::vector<MetricEstimate*> listed = {&w};
  suppress_complements(listed, total, nullptr);
  CHECK(w.rates[0].suppressed);
  CHECK_FALSE(w.rates[1].suppressed);     // trail's cells are both shown...
  CHECK_FALSE(w.rates[1].has_lift);       // ...but its lift needs default's rate
  CHECK(revealed(listed, total, nullptr, 50) == 0);
}

TEST_CASE("suppression: random tables never leave a hidden cell determined") {
  std::mt19937 rng(20240611);
  size_t before = 0;
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    const double k = 30;
    size_t windows = 1 + rng() % 6, cols = 2 + rng() % 6;
    std::vector<MetricEstimate> rows;
    for (size_t w = 0; w < windows + 1; ++w) {  // the last one is the rest
      std::vector<double> counts;
      for (size_t c = 0; c < cols; ++c) {
        // Many cells near the minimum, some negative (noise), a few large.
        int kind = static_cast<int>(rng() % 4);
        counts.push_back(kind == 0 ? -5.0 + rng() % 20 : kind == 1 ? rng() % 60 : 100.0 + rng() % 400);
      }
      rows.push_back(row(counts, k));
    }
    bool with_rest = rng() % 2 == 0;
    std::vector<MetricEstimate*> listed;
    std::vector<const MetricEstimate*> all;
    for (size_t w = 0; w < windows; ++w) {
      listed.push_back(&rows[w]);
      all.push_back(&rows[w]);
    }
    if (with_rest) all.push_back(&rows[windows]);
    MetricEstimate total = sum_of(all, k);
    const MetricEstimate* rest = with_rest ? &rows[windows] : nullptr;
    before += revealed(listed, total, rest, k);
    suppress_complements(listed, total, rest);
    CHECK(revealed(listed, total, rest, k) == 0);
  }
  CHECK(before > 100);  // the tables did reveal cells before
}

TEST_CASE("suppression: the same sums publish the same figures whatever order their windows are listed in") {
  // `tactful aggregate` lists windows oldest first, the collector newest
  // first; both must hide the same cells.
  ReportRules rules = one_metric(MetricKind::TopInterest, {"hiking", "running", "cooking", "(no data)"}, 2);
  std::mt19937 rng(7);
  int differing_tables = 0;
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    std::vector<Sums> listed;
    Sums total{0, {std::vector<uint64_t>(4, 0)}};
    size_t windows = 2 + rng() % 4;
    for (size_t w = 0; w < windows; ++w) {
      Sums s{20 + rng() % 600, {std::vector<uint64_t>(4, 0)}, 100 + w};
      // Randomized response: every report supports one value. Value 3 (no
      // data) is rare, so its cell is often under the minimum.
      for (uint64_t i = 0; i < s.reports; ++i) ++s.support[0][rng() % 10 == 0 ? 3 : rng() % 3];
      total.reports += s.reports;
      for (size_t c = 0; c < 4; ++c) total.support[0][c] += s.support[0][c];
      listed.push_back(s);
    }
    std::vector<Sums> reversed(listed.rbegin(), listed.rend());
    Published oldest_first = publish_estimates(rules, listed, total);
    Published newest_first = publish_estimates(rules, reversed, total);
    bool same = true;
    for (size_t w = 0; w < windows; ++w) {
      const MetricEstimate& a = oldest_first.windows[w][0];
      const MetricEstimate& b = newest_first.windows[windows - 1 - w][0];
      for (size_t c = 0; c < 4; ++c) same = same && a.cells[c].suppressed == b.cells[c].suppressed;
    }
    for (size_t c = 0; c < 4; ++c) {
      same = same && oldest_first.total[0].cells[c].suppressed == newest_first.total[0].cells[c].suppressed;
    }
    CHECK(same);
    differing_tables += !same;
  }
  CHECK(differing_tables == 0);
}

TEST_CASE("suppression: a (no data) that no browser can report costs no other cell") {
  // `converted` with no categories always has a value: its "(no data)" is 0
  // in truth for every browser, and its estimate is noise alone (randomized
  // response lands there with probability q whatever the true value). Hiding
  // "yes" to cover it protected no one and hid most windows' conversions.
  ReportRules rules = one_metric(MetricKind::Converted, {"no", "yes", "(no data)"}, 4);
  const MetricRule& rule = rules.metrics[0];
  // 1,000 reports: about 100 "yes" and 0 "(no data)" once de-biased.
  const double n = 1000, q = rule.ldp.q, p = rule.ldp.p;
  const auto yes = static_cast<uint64_t>(std::lround(100 * (p - q) + n * q));
  const auto none = static_cast<uint64_t>(std::lround(n * q));
  Sums window{1000, {{1000 - yes - none, yes, none}}, 100};
  for (bool can_lack_data : {false, true}) {
    CAPTURE(can_lack_data);
    ReportRules r = rules;
    if (can_lack_data) r.metrics[0].categories = {"purchases"};
    Published out = publish_estimates(r, {window}, window);
    for (const MetricEstimate* m : {&out.windows[0][0], &out.total[0]}) {
      CHECK(m->cells[2].suppressed);  // under the minimum: still not shown
      CHECK_FALSE(m->cells[0].suppressed);
      // A browser that withheld purchases does report "(no data)": then its
      // cell needs cover as before, and the smallest shown cell covers it.
      CHECK(m->cells[1].suppressed == can_lack_data);
    }
  }
}

TEST_CASE("suppression: a cell estimated under minReportsPerCell is hidden, one at or over it is shown") {
  MetricRule rule;
  rule.id = "converted";
  rule.epsilon = 10;
  rule.labels = {"no", "yes", "(no data)"};
  rule.ldp = choose_mechanism(3, rule.epsilon);
  // At ε = 10 an estimate is within a few hundredths of its support: 10 "yes" of 1,000 estimate just under 10.
  MetricEstimate under = estimate_metric(rule, {990, 10, 0}, 1000, 10);
  REQUIRE(under.cells[1].count > 9.9);
  REQUIRE(under.cells[1].count < 10);
  CHECK(under.cells[1].suppressed);
  MetricEstimate over = estimate_metric(rule, {989, 11, 0}, 1000, 10);
  REQUIRE(over.cells[1].count >= 10);
  CHECK_FALSE(over.cells[1].suppressed);
}
