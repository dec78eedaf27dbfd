#include "tactful/random.hpp"

#include <sodium.h>

namespace tactful {

uint32_t RandomSource::uniform(uint32_t bound) {
  if (bound < 2) return 0;
  // Rejection sampling: drop the top sliver of 2^32 that would favour low values.
  uint32_t limit = static_cast<uint32_t>(-bound) % bound;
  for (;;) {
    uint32_t r;
    fill(reinterpret_cast<uint8_t*>(&r), sizeof r);
    if (r >= limit) return r % bound;
  }
}

bool RandomSource::bernoulli(double p) {
  uint64_t r;
  fill(reinterpret_cast<uint8_t*>(&r), sizeof r);
  return static_cast<double>(r >> 11) * (1.0 / 9007199254740992.0) < p;
}

namespace {
class SodiumRandom final : public RandomSource {
 public:
  void fill(uint8_t* out, size_t n) override { randombytes_buf(out, n); }
};
}  // namespace

RandomSource& secure_random() {
  static SodiumRandom source;
  return source;
}

#ifndef __EMSCRIPTEN__
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

SeededRandom::SeededRandom(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t SeededRandom::next() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void SeededRandom::fill(uint8_t* out, size_t n) {
  while (n > 0) {
    uint64_t r = next();
    for (int i = 0; i < 8 && n > 0; ++i, --n) {
      *out++ = static_cast<uint8_t>(r);
      r >>= 8;
    }
  }
}
#endif

}  // namespace tactful
