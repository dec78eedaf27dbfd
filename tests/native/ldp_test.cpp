#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tactful/estimate.hpp"
#include "tactful/ldp.hpp"

using namespace tactful;

TEST_CASE("small domains use randomized response, large ones optimized unary encoding") {
  CHECK(choose_mechanism(3, 1.0).mechanism == Mechanism::RandomizedResponse);
  CHECK(choose_mechanism(10, 1.0).mechanism == Mechanism::RandomizedResponse);   // 10 < 3e + 2
  CHECK(choose_mechanism(11, 1.0).mechanism == Mechanism::UnaryEncoding);
  CHECK(choose_mechanism(40, 0.5).mechanism == Mechanism::UnaryEncoding);
}

TEST_CASE("randomized response keeps the truth with probability e^eps/(e^eps+d-1)") {
  auto params = choose_mechanism(3, std::log(2.0));  // p = 2/4, q = 1/4
  CHECK(params.p == doctest::Approx(0.5));
  CHECK(params.q == doctest::Approx(0.25));
  SeededRandom rng(1);
  std::vector<uint64_t> counts(3);
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    uint8_t out[2];
    ldp_encode(params, 1, rng, out);
    REQUIRE(ldp_valid(params, out));
    ldp_accumulate(params, out, counts);
  }
  CHECK(counts[1] / double(n) == doctest::Approx(0.5).epsilon(0.03));
  CHECK(counts[0] / double(n) == doctest::Approx(0.25).epsilon(0.03));
  CHECK(counts[2] / double(n) == doctest::Approx(0.25).epsilon(0.03));
}

TEST_CASE("optimized unary encoding sets the true bit half the time and others with 1/(e^eps+1)") {
  auto params = choose_mechanism(20, 1.0);
  REQUIRE(params.mechanism == Mechanism::UnaryEncoding);
  CHECK(encoded_size(params) == 3);
  SeededRandom rng(2);
  std::vector<uint64_t> counts(20);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    uint8_t out[3];
    ldp_encode(params, 7, rng, out);
    REQUIRE(ldp_valid(params, out));
    ldp_accumulate(params, out, counts);
  }
  CHECK(counts[7] / double(n) == doctest::Approx(0.5).epsilon(0.03));
  CHECK(counts[3] / double(n) == doctest::Approx(1 / (std::exp(1.0) + 1)).epsilon(0.05));
}

TEST_CASE("values outside the domain are invalid on the wire") {
  auto grr = choose_mechanism(3, 1.0);
  uint8_t three[2] = {3, 0}, two[2] = {2, 0}, high[2] = {0, 1};
  CHECK_FALSE(ldp_valid(grr, three));
  CHECK(ldp_valid(grr, two));
  CHECK_FALSE(ldp_valid(grr, high));
  auto oue = choose_mechanism(20, 1.0);  // 20 bits: the top 4 bits of byte 2 must be zero
  uint8_t ok[3] = {0xff, 0xff, 0x0f}, bad[3] = {0, 0, 0x10};
  CHECK(ldp_valid(oue, ok));
  CHECK_FALSE(ldp_valid(oue, bad));
}

TEST_CASE("the estimator is unbiased and its 95% interval has the stated width") {
  for (uint32_t d : {3u, 30u}) {
    auto params = choose_mechanism(d, 1.0);
    SeededRandom rng(3 + d);
    const int n = 30000;
    std::vector<uint64_t> counts(d);
    std::vector<uint8_t> buf(encoded_size(params));
    for (int i = 0; i < n; ++i) {
      uint32_t value = i % 10 < 6 ? 0 : (i % 10 < 9 ? 1 : 2);  // 60 %, 30 %, 10 %
      ldp_encode(params, value, rng, buf.data());
      ldp_accumulate(params, buf.data(), counts);
    }
    double truth[3] = {0.6 * n, 0.3 * n, 0.1 * n};
    for (int v = 0; v < 3; ++v) {
      auto e = ldp_estimate(params, double(counts[v]), n);
      double sd = std::sqrt(ldp_variance(params, truth[v], n));
      CHECK(std::fabs(e.count - truth[v]) < 4 * sd);
      CHECK(e.ci_high - e.ci_low == doctest::Approx(2 * 1.96 * std::sqrt(e.variance)));
    }
    if (d <= 3) continue;
    auto absent = ldp_estimate(params, double(counts[d - 1]), n);  // a value nobody has
    CHECK(std::fabs(absent.count) < 4 * std::sqrt(ldp_variance(params, 0, n)));
  }
}

namespace {

// A slot metric as the collector estimates it: `variants` variants plus "no
// data" (randomized response for small domains, so correlated cells).
MetricRule slot_metric(const std::vector<std::string>& variants, double epsilon) {
  MetricRule rule;
  rule.kind = MetricKind::SlotShownClicked;
  rule.variants = variants;
  for (const auto& v : rule.variants) {
    rule.labels.push_back(v + "|not clicked");
    rule.labels.push_back(v + "|clicked");
  }
  rule.labels.push_back("(no data)");
  rule.epsilon = epsilon;
  rule.ldp = choose_mechanism(static_cast<uint32_t>(rule.labels.size()), epsilon);
  return rule;
}

// One window of n browsers, variant v shown to share[v] of them and clicked
// with probability rates[v], through the real encoder. Returns the support
// counts; shown[v] and clicked[v] are the population's truth.
std::vector<uint64_t> simulate_slot(const MetricRule& rule, int n, const std::vector<double>& share,
                                    const std::vector<double>& rates, RandomSource& rng, std::vector<int>& shown,
                                    std::vector<int>& clicked) {
  const size_t variants = share.size();
  shown.assign(variants, 0);
  clicked.assign(variants, 0);
  std::vector<uint64_t> support(rule.labels.size());
  std::vector<uint8_t> buf(encoded_size(rule.ldp));
  for (int i = 0; i < n; ++i) {
    double x = (i + 0.5) / n, acc = 0;
    size_t v = variants - 1;
    for (size_t k = 0; k < variants; ++k) {
      acc += share[k];
      if (x < acc) {
        v = k;
        break;
      }
    }
    bool click = rng.bernoulli(rates[v]);
    ++shown[v];
    clicked[v] += click;
    ldp_encode(rule.ldp, static_cast<uint32_t>(2 * v + (click ? 1 : 0)), rng, buf.data());
    ldp_accumulate(rule.ldp, buf.data(), support);
  }
  return support;
}

}  // namespace

TEST_CASE("rate intervals cover the true rate about 95 % of the time, small rates included") {
  // Four variants (nine values with "no data"), 2,000 reports a run, click
  // rates from 1.5 % to 30 %, 300 seeded runs.
  MetricRule rule = slot_metric({"default", "a", "b", "c"}, 1.0);
  REQUIRE(rule.ldp.mechanism == Mechanism::RandomizedResponse);
  const int n = 2000, runs = 300;
  const std::vector<double> share = {0.3, 0.4, 0.2, 0.1}, rates = {0.10, 0.30, 0.05, 0.015};
  SeededRandom rng(11);
  int covered[4] = {}, published[4] = {};
  std::vector<int> shown, clicked;
  for (int run = 0; run < runs; ++run) {
    auto support = simulate_slot(rule, n, share, rates, rng, shown, clicked);
    MetricEstimate e = estimate_metric(rule, support, n, 1);
    for (int v = 0; v < 4; ++v) {
      const RateEstimate& r = e.rates[v];
      if (r.suppressed) continue;
      double truth = double(clicked[v]) / shown[v];
      ++published[v];
      covered[v] += r.ci_low <= truth && truth <= r.ci_high;
    }
  }
  int all = 0, all_published = 0;
  for (int v = 0; v < 4; ++v) {
    CAPTURE(v);
    CAPTURE(covered[v]);
    CAPTURE(published[v]);
    CHECK(published[v] > runs * 8 / 10);
    CHECK(double(covered[v]) / published[v] >= 0.92);
    all += covered[v];
    all_published += published[v];
  }
  CAPTURE(all);
  CAPTURE(all_published);
  CHECK(double(all) / all_published >= 0.94);
}

TEST_CASE("lift intervals cover the true lift, and a lift over a rate not told apart from 0 is not given") {
  // The same four variants at 20,000 reports a run: default's rate (10 % of
  // 30 % of browsers) is barely distinguishable from 0 under ε = 1, so the
  // ratio is heavy-tailed. The symmetric delta-method interval covered the
  // true lift of `c` 61 % of the time here.
  MetricRule rule = slot_metric({"default", "a", "b", "c"}, 1.0);
  const int n = 20000, runs = 200;
  const std::vector<double> share = {0.3, 0.4, 0.2, 0.1}, rates = {0.10, 0.30, 0.05, 0.015};
  SeededRandom rng(29);
  int covered[4] = {}, given[4] = {};
  std::vector<int> shown, clicked;
  for (int run = 0; run < runs; ++run) {
    auto support = simulate_slot(rule, n, share, rates, rng, shown, clicked);
    MetricEstimate e = estimate_metric(rule, support, n, 1);
    const RateEstimate& base = e.rates[0];
    // No finite interval when default's own rate interval reaches 0.
    bool base_clear = !base.suppressed && base.rate > 0 && base.ci_low > 0;
    for (int v = 1; v < 4; ++v) {
      const RateEstimate& r = e.rates[v];
      if (!base_clear) CHECK_FALSE(r.has_lift);
      if (!r.has_lift) continue;
      double truth = (double(clicked[v]) / shown[v]) / (double(clicked[0]) / shown[0]) - 1;
      ++given[v];
      CHECK(r.lift_low <= r.lift);
      CHECK(r.lift <= r.lift_high);
      CHECK(r.lift_low >= -1);
      covered[v] += r.lift_low <= truth && truth <= r.lift_high;
    }
  }
  for (int v = 1; v < 4; ++v) {
    CAPTURE(v);
    CAPTURE(covered[v]);
    CAPTURE(given[v]);
    CHECK(given[v] >= runs / 5);
    CHECK(double(covered[v]) / given[v] >= 0.88);
  }
}
