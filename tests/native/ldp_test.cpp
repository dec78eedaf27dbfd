#include <doctest/doctest.h>

#include <cmath>
#include <vector>

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
