// Simulator behind docs/img/ldp-error.png and the ε-versus-error table in
// docs/report-format.md: 10,000 simulated browsers per point through the real
// encoder and estimator (seeded, so the numbers are reproducible).
//   g++ -std=c++17 -O2 -Iwasm/include docs/img/ldp-error.cpp \
//       wasm/src/ldp.cpp wasm/src/random.cpp -lsodium -o /tmp/ldp-error
//   /tmp/ldp-error > docs/img/ldp-error.dat && gnuplot docs/img/ldp-error.gp
#include <cmath>
#include <cstdio>
#include <vector>

#include "tactful/ldp.hpp"

using namespace tactful;

int main() {
  const int n = 10000, reps = 5;
  const uint32_t domains[] = {3, 10, 30};
  std::printf("# eps  then per domain d: theory_se_pp empirical_rmse_pp mechanism(1=GRR,2=OUE)\n");
  for (double eps : {0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0}) {
    std::printf("%.2f", eps);
    for (uint32_t d : domains) {
      LdpParams params = choose_mechanism(d, eps);
      // A skewed truth: value i has weight 1/(i+1).
      std::vector<double> share(d);
      double sum = 0;
      for (uint32_t i = 0; i < d; ++i) sum += share[i] = 1.0 / (i + 1);
      for (auto& s : share) s /= sum;
      double theory = 0;
      for (uint32_t i = 0; i < d; ++i) theory += ldp_variance(params, share[i] * n, n);
      theory = std::sqrt(theory / d) / n * 100;
      double sq = 0;
      SeededRandom rng(static_cast<uint64_t>(eps * 1000) + d);
      std::vector<uint8_t> buf(encoded_size(params));
      for (int r = 0; r < reps; ++r) {
        std::vector<uint64_t> counts(d, 0);
        std::vector<double> truth(d, 0);
        for (int k = 0; k < n; ++k) {
          double u = (k + 0.5) / n, acc = 0;
          uint32_t v = 0;
          while (v + 1 < d && (acc += share[v]) < u) ++v;
          truth[v] += 1;
          ldp_encode(params, v, rng, buf.data());
          ldp_accumulate(params, buf.data(), counts);
        }
        for (uint32_t i = 0; i < d; ++i) {
          double e = ldp_estimate(params, double(counts[i]), n).count - truth[i];
          sq += e * e;
        }
      }
      double rmse = std::sqrt(sq / (reps * d)) / n * 100;
      std::printf("  %.3f %.3f %d", theory, rmse, static_cast<int>(params.mechanism));
    }
    std::printf("\n");
  }
}
