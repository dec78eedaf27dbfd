// Numbers without printf/strtod: reading rounds exactly like strtod, writing
// gives JavaScript's Number.prototype.toString digits, and each reads back
// as the same double.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "tactful/number.hpp"

using tactful::format_number;
using tactful::read_decimal;

namespace {
std::string text(double d, int max_digits = 17) {
  char buf[tactful::kNumberTextSize];
  size_t n = format_number(d, buf, max_digits);
  CHECK(n == std::strlen(buf));
  return buf;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Writes d, reads it back, and says whether the same double came back.
bool round_trips(double d) { return same_bits(read_decimal(text(d)), d); }
}  // namespace

TEST_CASE("doubles are written as JavaScript writes them") {
  CHECK(text(0.1) == "0.1");
  CHECK(text(1.0 / 3) == "0.3333333333333333");
  CHECK(text(0.1 + 0.2) == "0.30000000000000004");
  CHECK(text(1e21) == "1e+21");
  CHECK(text(1e20) == "100000000000000000000");
  CHECK(text(123456789012345680000.0) == "123456789012345680000");
  CHECK(text(9007199254740994.0) == "9007199254740994");  // 2^53 + 2
  CHECK(text(5e-324) == "5e-324");
  CHECK(text(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(text(2.2250738585072014e-308) == "2.2250738585072014e-308");
  CHECK(text(0.000001) == "0.000001");
  CHECK(text(1e-7) == "1e-7");
  CHECK(text(1.5e-7) == "1.5e-7");
  CHECK(text(-4.35) == "-4.35");
  CHECK(text(1e23) == "1e+23");
  CHECK(text(0) == "0");
  CHECK(text(-0.0) == "-0");
  CHECK(text(123) == "123");
  CHECK(text(-2.5) == "-2.5");
}

TEST_CASE("fewer digits, for messages, round the shortest digits half up") {
  CHECK(text(0.1 + 0.2, 3) == "0.3");
  CHECK(text(4.5, 3) == "4.5");
  CHECK(text(9.995, 3) == "10");
  CHECK(text(0.0012345, 3) == "0.00123");
  CHECK(text(2.0 / 3, 3) == "0.667");
}

TEST_CASE("what is written reads back as the same double") {
  for (double d : {0.1, 1.0 / 3, 1e21, 5e-324, -0.0, 9007199254740994.0, 123456789012345680000.0, 1.7976931348623157e308,
                   2.2250738585072014e-308, 2.225073858507201e-308, 1e-7, 4.35, 0.3, 1e23, 8.41e21})
    CHECK_MESSAGE(round_trips(d), text(d));
  std::mt19937_64 rng(1);
  int failures = 0;
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d) && !round_trips(d)) ++failures;
  }
  CHECK(failures == 0);
}

TEST_CASE("reading rounds to the nearest double, like strtod") {
  CHECK(read_decimal("0.1") == 0.1);
  CHECK(read_decimal("-12.5e-1") == -1.25);
  CHECK(read_decimal("9007199254740993") == 9007199254740992.0);  // halfway: ties to even
  CHECK(read_decimal("9007199254740995") == 9007199254740996.0);
  CHECK(read_decimal("2.4703282292062327e-324") == 0);  // just under half the smallest subnormal
  CHECK(read_decimal("2.4703282292062328e-324") == 5e-324);
  CHECK(read_decimal("1.7976931348623158e308") == 1.7976931348623157e308);
  CHECK(std::isinf(read_decimal("1.7976931348623159e308")));
  CHECK(std::isinf(read_decimal("1e400")));
  CHECK(read_decimal("-1e-400") == 0);
  CHECK(std::signbit(read_decimal("-0")));
  CHECK(read_decimal("0e99999999999") == 0);
  // JavaScript's looser decimals, for Number("...") in conditions.
  CHECK(read_decimal("007") == 7);
  CHECK(read_decimal(".5") == 0.5);
  CHECK(read_decimal("5.") == 5);
  CHECK(read_decimal("-.5e1") == -5);
  // Just above halfway: a non-zero digit even past the 800 kept decides it.
  std::string above_halfway = "9007199254740993." + std::string(800, '0') + "1";
  CHECK(read_decimal(above_halfway) == 9007199254740994.0);
  CHECK(read_decimal("9007199254740993." + std::string(800, '0')) == 9007199254740992.0);

  std::mt19937_64 rng(2);
  int failures = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = rng() % 2 ? "-" : "";
    int digits = 1 + static_cast<int>(rng() % (i % 50 == 0 ? 400 : 20));
    int point = static_cast<int>(rng() % static_cast<uint64_t>(digits + 1));
    for (int k = 0; k < digits; ++k) {
      if (k == point && k > 0) s += '.';
      s += static_cast<char>('0' + (k == 0 ? 1 + rng() % 9 : rng() % 10));
    }
    if (rng() % 2) s += "e" + std::to_string(static_cast<int>(rng() % 660) - 330);
    if (!same_bits(read_decimal(s), std::strtod(s.c_str(), nullptr))) {
      ++failures;
      FAIL_CHECK(s);
    }
  }
  CHECK(failures == 0);
}
