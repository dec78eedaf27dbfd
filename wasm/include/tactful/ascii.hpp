#pragma once
// ASCII-only case folding, for what people type in either case: operator
// names, URL schemes, country codes, words matched against fixed lists.
// Letters outside ASCII are left as they are (the condition operators fold
// as JavaScript does: unicode_case.hpp).
#include <string>
#include <string_view>

namespace tactful {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Equal but for ASCII case: HTTP header names and schemes. Inline, with no
// call into libc per byte (the collector compares every header of every post).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

}  // namespace tactful
