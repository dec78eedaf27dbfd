#include "tactful/unicode_case.hpp"

#include <cstdint>

#include "tactful/ascii.hpp"
#include "tactful/utf8.hpp"

namespace tactful {

namespace {

struct LowerRange {
  uint32_t packed;  // first code point, count and stride: see the table's header
  int32_t delta;
};

constexpr LowerRange kLower[] = {
#include "unicode_lower_table.inc"
};

// The lowercase of one code point, one to one (U+0130 and the sigma aside).
char32_t lower_of(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  for (const auto& r : kLower) {
    const char32_t first = r.packed & 0x1FFFF;
    if (c < first) break;  // the ranges are in order
    const uint32_t count = (r.packed >> 17) & 0x7F, stride = (r.packed >> 24) ? 2 : 1;
    const uint32_t offset = c - first;
    if (offset % stride == 0 && offset / stride < count) return static_cast<char32_t>(c + r.delta);
  }
  return c;
}

// A letter with case (Unicode's Cased), as far as the final-sigma rule needs
// it: ASCII letters, a letter with a lowercase, or the lowercase of one.
bool cased(char32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  if (lower_of(c) != c) return true;
  for (const auto& r : kLower) {
    const char32_t first = r.packed & 0x1FFFF;
    const uint32_t count = (r.packed >> 17) & 0x7F, stride = (r.packed >> 24) ? 2 : 1;
    const char32_t upper = static_cast<char32_t>(c - r.delta);
    if (upper >= first && (upper - first) % stride == 0 && (upper - first) / stride < count) return true;
  }
  return c == 0xDF || c == 0xAA || c == 0xBA;  // ß, ª, º: lowercase with no one-to-one uppercase
}

// What a word may hold between its letters without ending (Unicode's
// Case_Ignorable, its common part): apostrophes, dots, modifier letters and
// combining marks, joiners and format characters.
bool case_ignorable(char32_t c) {
  switch (c) {
    case 0x27: case 0x2E: case 0x3A: case 0x5E: case 0x60: case 0xA8: case 0xAD: case 0xAF: case 0xB4:
    case 0xB7: case 0xB8: case 0x374: case 0x375: case 0x37A: case 0x384: case 0x385: case 0x387:
    case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xFF07: case 0xFF0E: case 0xFF1A:
      return true;
    default:
      break;
  }
  return (c >= 0x2B0 && c <= 0x36F) || (c >= 0x483 && c <= 0x489) || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

// Unicode's Final_Sigma: a cased letter before (past any ignorable
// characters), and none after.
bool ends_word(std::string_view s, size_t at, size_t length) {
  bool before = false;
  for (size_t i = at; i > 0;) {
    size_t start = i - 1, n = 0;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    const char32_t c = decode_utf8(s, start, n);
    i = start;
    if (case_ignorable(c)) continue;
    before = cased(c);
    break;
  }
  if (!before) return false;
  for (size_t i = at + length; i < s.size();) {
    size_t n = 0;
    const char32_t c = decode_utf8(s, i, n);
    i += n;
    if (case_ignorable(c)) continue;
    return !cased(c);
  }
  return true;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

std::string js_lower(std::string_view s) {
  if (is_ascii(s)) return ascii_lower(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = 0;
    const char32_t c = decode_utf8(s, i, n);
    if (c == 0x130) {
      out += "i\xCC\x87";  // i + U+0307 COMBINING DOT ABOVE
    } else if (c == 0x3A3) {
      append_utf8(out, ends_word(s, i, n) ? 0x3C2 : 0x3C3);
    } else {
      append_utf8(out, lower_of(c));
    }
    i += n;
  }
  return out;
}

bool equals_js_lower(std::string_view text, std::string_view lowered) {
  if (!is_ascii(text)) return js_lower(text) == lowered;
  if (text.size() != lowered.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (ascii_lower(text[i]) != lowered[i]) return false;
  return true;
}

}  // namespace tactful
