#include "tactful/utf8.hpp"

#include <utility>

namespace tactful {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
    return;
  }
  int extra = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  out += static_cast<char>((0xFF80 >> extra) | (cp >> (6 * extra)));  // 110xxxxx, 1110xxxx, 11110xxx
  for (int i = extra - 1; i >= 0; --i) out += static_cast<char>(0x80 | ((cp >> (6 * i)) & 0x3F));
}

uint32_t decode_utf8(std::string_view s, size_t at, size_t& length) {
  const unsigned char lead = static_cast<unsigned char>(s[at]);
  length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (length == 1 || at + length > s.size()) {
    length = 1;
    return lead;
  }
  uint32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) cp = cp << 6 | (static_cast<unsigned char>(s[at + i]) & 0x3F);
  return cp;
}

int Utf16Reader::next() {
  if (low_) return std::exchange(low_, 0);
  if (at_ >= s_.size()) return -1;
  size_t length;
  uint32_t cp = decode_utf8(s_, at_, length);
  at_ += length;
  if (cp < 0x10000) return static_cast<int>(cp);
  low_ = static_cast<int>(0xDC00 + ((cp - 0x10000) & 0x3FF));
  return static_cast<int>(0xD800 + ((cp - 0x10000) >> 10));
}

}  // namespace tactful
