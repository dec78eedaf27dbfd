// Decimal text <-> double, without printf or strtod (together with the
// 128-bit long double arithmetic they need, ~10 KB of wasm). Both directions
// are exact: reading rounds correctly (to nearest, ties to even), and writing
// gives the shortest digits that read back as the same double, laid out as
// JavaScript's Number.prototype.toString does — so replies read by
// JSON.parse and numbers compared by conditions agree with JS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tactful {

// Enough for any output of format_number, with its terminating zero.
constexpr size_t kNumberTextSize = 32;

// Writes a finite `d` into `out` (zero-terminated) and returns the length:
// integers as integers ("123", "100000000000000000000"), others as the
// shortest round-tripping decimal ("0.1", "1.5e-7", "1e+21"); -0 is "-0".
// With `max_digits` below 17 the shortest digits are rounded to that many
// significant digits (for messages: 3 gives "0.3" for 0.1 + 0.2).
size_t format_number(double d, char* out, int max_digits = 17);

// Writes v's decimal digits (zero-terminated); returns their count.
size_t format_uint(uint64_t v, char* out);

// Reads `text`, which the caller has checked is a decimal number: JSON's
// syntax (-?digits[.digits][e[+-]digits]), or JavaScript's looser one with
// leading zeros and an empty whole or fraction part ("007", ".5", "5.").
// Gives the nearest double, or ±infinity beyond the largest one.
double read_decimal(std::string_view text);

}  // namespace tactful
