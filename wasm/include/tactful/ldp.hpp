// Local differential privacy: each browser randomizes its own value before it
// leaves, so the collector learns population counts, never a visitor's value.
// Two pure protocols (Wang et al., USENIX Security 2017) over a domain of d values:
//  - k-ary randomized response (GRR): report the true index with probability
//    p = e^ε/(e^ε+d-1), any other given one with q = 1/(e^ε+d-1). Best for small d.
//  - optimized unary encoding (OUE): one bit per value; the true bit is 1 with
//    p = 1/2, every other bit is 1 with q = 1/(e^ε+1). Best for large d.
// Both share one unbiased estimator: ĉ = (C - n·q)/(p - q).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tactful/random.hpp"

namespace tactful {

enum class Mechanism : uint8_t { RandomizedResponse = 1, UnaryEncoding = 2 };

struct LdpParams {
  Mechanism mechanism;
  uint32_t domain;  // d
  double epsilon;
  double p, q;      // support probabilities of the true value / any other value
};

// The mechanism with the lower estimator variance for this d and ε
// (GRR while d < 3e^ε + 2), and its p and q.
LdpParams choose_mechanism(uint32_t domain, double epsilon);

// Bytes one encoded value takes on the wire: 2 for GRR, ceil(d/8) for OUE.
size_t encoded_size(const LdpParams& params);

// Randomizes `value` (< domain) into `out` (encoded_size bytes).
// GRR: the reported index, little-endian u16. OUE: bit i = byte i/8, bit i%8 (LSB first).
void ldp_encode(const LdpParams& params, uint32_t value, RandomSource& rng, uint8_t* out);

// Whether `in` is a value a correct encoder could have produced (index < d,
// unused high bits zero); the collector refuses anything else.
bool ldp_valid(const LdpParams& params, const uint8_t* in);

// Adds one report's support to `counts` (size d): +1 for each value it supports.
void ldp_accumulate(const LdpParams& params, const uint8_t* in, std::vector<uint64_t>& counts);

struct LdpEstimate {
  double count;     // unbiased, may be negative or exceed n
  double variance;  // of `count`, with the true count plugged in as clamp(count, 0, n)
  double ci_low, ci_high;  // 95 %: count ± 1.96·sqrt(variance)
};

// De-biases the support count of one value among n reports.
LdpEstimate ldp_estimate(const LdpParams& params, double support, double n);

// Variance of the count estimate for a value whose true count is `true_count` among n.
double ldp_variance(const LdpParams& params, double true_count, double n);

// Covariance of two values' estimated counts (true counts plugged in, as for
// the variance): negative under randomized response, where each report names
// one value; zero under unary encoding, where each value is its own bit.
double ldp_covariance(const LdpParams& params, double count_i, double count_j, double n);

}  // namespace tactful
