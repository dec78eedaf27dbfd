#include "tactful/ldp.hpp"

#include <algorithm>
#include <cmath>

namespace tactful {

LdpParams choose_mechanism(uint32_t domain, double epsilon) {
  double e = std::exp(epsilon);
  LdpParams params{};
  params.domain = domain;
  params.epsilon = epsilon;
  // Variance per report: GRR (d-2+e^ε)/(e^ε-1)^2, OUE 4e^ε/(e^ε-1)^2; equal at d = 3e^ε + 2.
  if (domain < 3 * e + 2) {
    params.mechanism = Mechanism::RandomizedResponse;
    params.p = e / (e + domain - 1);
    params.q = 1 / (e + domain - 1);
  } else {
    params.mechanism = Mechanism::UnaryEncoding;
    params.p = 0.5;
    params.q = 1 / (e + 1);
  }
  return params;
}

size_t encoded_size(const LdpParams& params) {
  return params.mechanism == Mechanism::RandomizedResponse ? 2 : (params.domain + 7) / 8;
}

void ldp_encode(const LdpParams& params, uint32_t value, RandomSource& rng, uint8_t* out) {
  if (params.mechanism == Mechanism::RandomizedResponse) {
    uint32_t reported = value;
    // Keep the truth with probability p; otherwise one of the d-1 others, uniformly.
    if (!rng.bernoulli(params.p)) {
      reported = rng.uniform(params.domain - 1);
      if (reported >= value) ++reported;
    }
    out[0] = static_cast<uint8_t>(reported);
    out[1] = static_cast<uint8_t>(reported >> 8);
    return;
  }
  std::fill(out, out + encoded_size(params), 0);
  for (uint32_t i = 0; i < params.domain; ++i) {
    if (rng.bernoulli(i == value ? params.p : params.q)) out[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
}

bool ldp_valid(const LdpParams& params, const uint8_t* in) {
  if (params.mechanism == Mechanism::RandomizedResponse) {
    return (in[0] | (in[1] << 8)) < static_cast<int>(params.domain);
  }
  uint32_t used = params.domain % 8;
  return used == 0 || (in[params.domain / 8] >> used) == 0;
}

void ldp_accumulate(const LdpParams& params, const uint8_t* in, std::vector<uint64_t>& counts) {
  if (params.mechanism == Mechanism::RandomizedResponse) {
    uint32_t index = in[0] | (in[1] << 8);
    if (index < counts.size()) ++counts[index];
    return;
  }
  for (uint32_t i = 0; i < params.domain && i < counts.size(); ++i) {
    if (in[i / 8] & (1u << (i % 8))) ++counts[i];
  }
}

double ldp_variance(const LdpParams& params, double true_count, double n) {
  double p = params.p, q = params.q;
  // Var[C] = n_v·p(1-p) + (n-n_v)·q(1-q), divided by (p-q)^2.
  return (true_count * p * (1 - p) + (n - true_count) * q * (1 - q)) / ((p - q) * (p - q));
}

double ldp_covariance(const LdpParams& params, double count_i, double count_j, double n) {
  if (params.mechanism != Mechanism::RandomizedResponse) return 0;
  double p = params.p, q = params.q;
  // Each report's answer is one value: Cov[S_i, S_j] = -sum over reports of
  // P(answer i)·P(answer j), which is p·q for a report whose true value is i
  // or j, and q² for any other.
  return -(p * q * (count_i + count_j) + q * q * (n - count_i - count_j)) / ((p - q) * (p - q));
}

LdpEstimate ldp_estimate(const LdpParams& params, double support, double n) {
  LdpEstimate e{};
  e.count = (support - n * params.q) / (params.p - params.q);
  e.variance = ldp_variance(params, std::min(std::max(e.count, 0.0), n), n);
  double half = 1.96 * std::sqrt(e.variance);
  e.ci_low = e.count - half;
  e.ci_high = e.count + half;
  return e;
}

}  // namespace tactful
