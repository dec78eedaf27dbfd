#include "tactful/number.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace tactful {

namespace {

// An unsigned integer for the exact arithmetic behind both directions. The
// largest value ever held is under 2,700 bits: 800 decimal digits scaled by
// 5^1125 when reading, about 1,130 bits when writing.
struct Big {
  static constexpr int kWords = 96;  // 3,072 bits
  uint32_t w[kWords];
  int n = 0;  // words in use, the top one non-zero

  explicit Big(uint64_t v) {
    for (; v; v >>= 32) w[n++] = static_cast<uint32_t>(v);
  }
  bool zero() const { return n == 0; }
  int bits() const { return n ? 32 * n - __builtin_clz(w[n - 1]) : 0; }
  bool bit(int i) const { return i / 32 < n && (w[i / 32] >> (i % 32) & 1); }

  void mul_add(uint32_t m, uint32_t add = 0) {
    uint64_t carry = add;
    for (int i = 0; i < n; ++i) {
      uint64_t t = uint64_t(w[i]) * m + carry;
      w[i] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry && n < kWords) w[n++] = static_cast<uint32_t>(carry);
  }
  void mul_pow5(int k) {
    for (; k > 0; k -= 13) {
      uint32_t p = 1;
      for (int i = 0; i < k && i < 13; ++i) p *= 5;
      mul_add(p);
    }
  }
  void shl(int bits_) {
    if (zero() || bits_ <= 0) return;
    int words = bits_ / 32, b = bits_ % 32;
    int top = n + words + 1 < kWords ? n + words + 1 : kWords;
    for (int i = top - 1; i >= 0; --i) {
      int from = i - words;
      uint64_t hi = from >= 0 && from < n ? w[from] : 0;
      uint64_t lo = from - 1 >= 0 && from - 1 < n ? w[from - 1] : 0;
      w[i] = static_cast<uint32_t>(((hi << 32 | lo) << b) >> 32);
    }
    n = top;
    trim();
  }
  void shr1() {
    for (int i = 0; i < n; ++i) w[i] = w[i] >> 1 | (i + 1 < n ? w[i + 1] << 31 : 0);
    trim();
  }
  void add(const Big& o) {
    uint64_t carry = 0;
    int top = n > o.n ? n : o.n;
    for (int i = 0; i < top; ++i) {
      carry += uint64_t(i < n ? w[i] : 0) + (i < o.n ? o.w[i] : 0);
      w[i] = static_cast<uint32_t>(carry);
      carry >>= 32;
    }
    n = top;
    if (carry && n < kWords) w[n++] = 1;
  }
  void sub(const Big& o) {  // *this >= o
    int64_t borrow = 0;
    for (int i = 0; i < n; ++i) {
      int64_t t = int64_t(w[i]) - (i < o.n ? o.w[i] : 0) - borrow;
      borrow = t < 0;
      w[i] = static_cast<uint32_t>(t);
    }
    trim();
  }
  void trim() {
    while (n > 0 && w[n - 1] == 0) --n;
  }
};

int compare(const Big& a, const Big& b) {
  if (a.n != b.n) return a.n < b.n ? -1 : 1;
  for (int i = a.n - 1; i >= 0; --i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  return 0;
}

// q * 2^e2, rounded to the nearest double (ties to even); `sticky` says the
// exact value is a little more than q * 2^e2.
double make_double(uint64_t q, bool sticky, int e2) {
  int lz = __builtin_clzll(q);
  q <<= lz;
  e2 -= lz;
  int exp = e2 + 63;  // the value is in [2^exp, 2^(exp + 1))
  if (exp > 1023) return HUGE_VAL;
  int drop = exp < -1022 ? 11 + (-1022 - exp) : 11;  // subnormals keep fewer bits
  if (drop > 64) return 0;
  uint64_t mant = drop == 64 ? 0 : q >> drop;
  uint64_t rem = drop == 64 ? q : q & ((uint64_t(1) << drop) - 1);
  uint64_t half = uint64_t(1) << (drop - 1);
  if (rem > half || (rem == half && (sticky || (mant & 1)))) ++mant;
  uint64_t bits = mant;  // a subnormal (or, rounded up, the smallest normal)
  if (exp >= -1022) {
    if (mant >> 53) mant >>= 1, ++exp;
    if (exp > 1023) return HUGE_VAL;
    bits = uint64_t(exp + 1023) << 52 | (mant & ((uint64_t(1) << 52) - 1));
  }
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// The significant digits of a JSON number, at most `limit` of them, as an
// integer: the number is digits * 10^exp10 (+ a little when `dropped` says
// a non-zero digit past the limit was left out).
struct Decimal {
  Big digits{0};
  int count = 0;
  int exp10 = 0;
  bool negative = false;
  bool dropped = false;
};

Decimal scan(std::string_view text, int limit) {
  Decimal out;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') out.negative = true, ++i;
  bool fraction = false;
  uint32_t chunk = 0, scale = 1;  // digits not yet in `out.digits`
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (fraction) --out.exp10;
    if (out.count == 0 && c == '0') continue;  // a leading zero
    if (out.count == limit) {
      ++out.exp10;
      out.dropped = out.dropped || c != '0';
      continue;
    }
    ++out.count;
    chunk = chunk * 10 + static_cast<uint32_t>(c - '0');
    scale *= 10;
    if (scale == 1000000000) out.digits.mul_add(scale, chunk), chunk = 0, scale = 1;
  }
  out.digits.mul_add(scale, chunk);
  if (i < text.size() && (text[i] | 0x20) == 'e') {
    bool negative = ++i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    int e = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      if (e < 100000) e = e * 10 + (text[i] - '0');
    out.exp10 += negative ? -e : e;
  }
  return out;
}

uint64_t low64(const Big& b) { return (b.n > 1 ? uint64_t(b.w[1]) << 32 : 0) | (b.n ? b.w[0] : 0); }

// The exact route: `d` holds every digit that matters (800 are enough to
// decide any rounding; a non-zero rest is kept as one more digit 1).
double read_exact(Decimal d) {
  if (d.dropped) d.digits.mul_add(10, 1), --d.exp10;
  uint64_t q;
  bool sticky = false;
  int e2;
  if (d.exp10 >= 0) {  // digits * 5^e * 2^e: an integer, keep its top 64 bits
    d.digits.mul_pow5(d.exp10);
    int extra = d.digits.bits() - 64;
    e2 = d.exp10;
    q = 0;
    if (extra <= 0) {
      q = low64(d.digits);
    } else {
      for (int i = 63; i >= 0; --i) q = q << 1 | d.digits.bit(extra + i);
      for (int i = 0; i < extra && !sticky; ++i) sticky = d.digits.bit(i);
      e2 += extra;
    }
  } else {  // digits / (5^k * 2^k): 64 bits of the quotient, and whether a remainder is left
    int k = -d.exp10;
    Big divisor(1);
    divisor.mul_pow5(k);
    int t = 63 + divisor.bits() - d.digits.bits();  // puts the quotient in (2^62, 2^64)
    if (t >= 0) d.digits.shl(t);
    else divisor.shl(-t);
    divisor.shl(63);
    q = 0;
    for (int i = 63; i >= 0; --i, divisor.shr1()) {
      if (compare(d.digits, divisor) >= 0) d.digits.sub(divisor), q |= uint64_t(1) << i;
    }
    sticky = !d.digits.zero();
    e2 = -t - k;
  }
  return make_double(q, sticky, e2);
}

// Burger & Dybvig's free-format algorithm: the shortest digits that read
// back as v (v > 0, finite), and, of those, the nearest to v. Returns the
// digit count; v = 0.digits * 10^point.
int shortest_digits(double v, char* digits, int& point) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  int biased = static_cast<int>(bits >> 52 & 0x7ff);
  uint64_t f = bits & ((uint64_t(1) << 52) - 1);
  int e = -1074;
  if (biased) f |= uint64_t(1) << 52, e = biased - 1075;
  // Reading rounds ties to even, so an even mantissa owns its boundaries.
  bool even = !(f & 1);
  // v = r/s; the neighbours are (r + m_plus)/s and (r - m_minus)/s halfway.
  Big r(f), s(1), m_plus(1), m_minus(1);
  if (e >= 0) {
    r.shl(e + 1), s.shl(1), m_plus.shl(e), m_minus.shl(e);
  } else {
    r.shl(1), s.shl(1 - e);
  }
  if (f == uint64_t(1) << 52 && biased > 1) r.shl(1), s.shl(1), m_plus.shl(1);  // the gap below is half as wide
  // 10^point > v: estimated from the binary exponent (never too high), then corrected.
  int k = static_cast<int>(std::ceil((e + 63 - __builtin_clzll(f)) * 0.30102999566398114 - 1e-10));
  if (k >= 0) {
    s.mul_pow5(k), s.shl(k);
  } else {
    for (Big* b : {&r, &m_plus, &m_minus}) b->mul_pow5(-k), b->shl(-k);
  }
  auto reaches_high = [&] {
    Big t = r;
    t.add(m_plus);
    int c = compare(t, s);
    return even ? c >= 0 : c > 0;
  };
  while (reaches_high()) s.mul_add(10), ++k;
  point = k;
  int count = 0;
  for (;;) {
    r.mul_add(10), m_plus.mul_add(10), m_minus.mul_add(10);
    int digit = 0;
    while (compare(r, s) >= 0) r.sub(s), ++digit;
    int c = compare(r, m_minus);
    bool low = even ? c <= 0 : c < 0;
    bool high = reaches_high();
    if (low && high) {  // both ends read back as v: the nearer, ties to even
      Big twice = r;
      twice.shl(1);
      int h = compare(twice, s);
      if (h > 0 || (h == 0 && (digit & 1))) ++digit;
    } else if (high) {
      ++digit;
    }
    digits[count++] = static_cast<char>('0' + digit);
    if (low || high) return count;
  }
}

}  // namespace

size_t format_uint(uint64_t v, char* out) {
  char tmp[20];
  size_t n = 0;
  do tmp[n++] = static_cast<char>('0' + v % 10);
  while (v /= 10);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

size_t format_number(double d, char* out, int max_digits) {
  char* o = out;
  if (std::signbit(d)) *o++ = '-', d = -d;
  char digits[24];
  int count, point;
  if (d == std::floor(d) && d < 9007199254740992.0) {  // an integer below 2^53: its own digits
    count = point = static_cast<int>(format_uint(static_cast<uint64_t>(d), digits));
    while (count > 1 && digits[count - 1] == '0') --count;
  } else {
    count = shortest_digits(d, digits, point);
  }
  if (count > max_digits) {  // round half up on the digits
    bool up = digits[max_digits] >= '5';
    count = max_digits;
    while (up && count > 0 && digits[count - 1] == '9') --count;
    if (up && count == 0) digits[count++] = '1', ++point;
    else if (up) ++digits[count - 1];
    while (count > 1 && digits[count - 1] == '0') --count;
  }
  // Number::toString's layout: plain up to 21 integer digits, 0.000001 and
  // above without an exponent, scientific otherwise.
  auto put_digits = [&](int from, int to) {
    for (int i = from; i < to; ++i) *o++ = i < count ? digits[i] : '0';
  };
  if (0 < point && point <= 21) {
    put_digits(0, point);
    if (count > point) *o++ = '.', put_digits(point, count);
  } else if (-6 < point && point <= 0) {
    *o++ = '0', *o++ = '.';
    for (int i = point; i < 0; ++i) *o++ = '0';
    put_digits(0, count);
  } else {
    *o++ = digits[0];
    if (count > 1) *o++ = '.', put_digits(1, count);
    int exponent = point - 1;
    *o++ = 'e', *o++ = exponent < 0 ? '-' : '+';
    o += format_uint(static_cast<uint64_t>(exponent < 0 ? -exponent : exponent), o);
  }
  *o = 0;
  return static_cast<size_t>(o - out);
}

double read_decimal(std::string_view text) {
  Decimal d = scan(text, 19);
  double sign = d.negative ? -1.0 : 1.0;
  if (d.digits.zero()) return sign * 0.0;
  // The number lies in [10^(magnitude - 1), 10^magnitude).
  int magnitude = d.count + d.exp10;
  if (magnitude > 310) return sign * HUGE_VAL;
  if (magnitude < -324) return sign * 0.0;
  uint64_t m = low64(d.digits);
  if (!d.dropped && m <= (uint64_t(1) << 53) && d.exp10 >= -22 && d.exp10 <= 22) {
    // Both m and 10^|exp10| are exact doubles, so one rounding: exact.
    double scale = 1;
    for (int i = 0; i < (d.exp10 < 0 ? -d.exp10 : d.exp10); ++i) scale *= 10;
    return sign * (d.exp10 < 0 ? static_cast<double>(m) / scale : static_cast<double>(m) * scale);
  }
  return sign * read_exact(scan(text, 800));
}

}  // namespace tactful
