// Where the randomness of every privacy mechanism comes from. The browser and
// the collector only ever use the secure source (libsodium's randombytes, which
// the browser build routes to crypto.getRandomValues). A seeded source exists
// for the native simulator and tests, and only there: it is not compiled into
// the wasm build and no config or JS value can reach it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tactful {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(uint8_t* out, size_t n) = 0;

  // Uniform in [0, bound), without modulo bias; 0 when bound is 0.
  uint32_t uniform(uint32_t bound);
  // True with probability p, to 2^-53 resolution.
  bool bernoulli(double p);
};

// The default everywhere: libsodium's CSPRNG.
RandomSource& secure_random();

#ifndef __EMSCRIPTEN__
// Reproducible randomness for simulations and tests (xoshiro256**). Never a
// choice of the browser build: it does not exist there.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed);
  void fill(uint8_t* out, size_t n) override;
  uint64_t next();

 private:
  uint64_t s_[4];
};
#endif

}  // namespace tactful
