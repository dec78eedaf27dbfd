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

}  // namespace tactful
