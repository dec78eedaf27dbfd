#pragma once
// UTF-8 one code point at a time: text in the core is UTF-8 that json.cpp
// has checked (no overlong forms, no surrogates).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tactful {

// Appends code point `cp` to `out` as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

// The code point at byte `at` of well-formed UTF-8 `s`, and its byte length.
// A sequence cut short by the end of `s` reads as its lead byte alone.
uint32_t decode_utf8(std::string_view s, size_t at, size_t& length);

// Well-formed UTF-8 read as the UTF-16 code units a JavaScript string of the
// same text holds (a code point above U+FFFF is two surrogates): what
// GrowthBook's hash and JS regular expressions without the `u` flag see.
class Utf16Reader {
 public:
  explicit Utf16Reader(std::string_view s) : s_(s) {}
  // The next code unit, or -1 at the end.
  int next();

 private:
  std::string_view s_;
  size_t at_ = 0;
  int low_ = 0;  // the second surrogate of a pair, still to come
};

}  // namespace tactful
