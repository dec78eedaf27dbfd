#include "tactful/version.hpp"

namespace tactful {

namespace {
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

std::string padded_version_string(std::string_view v) {
  if (v.empty()) v = "0";
  if (v[0] == 'v') v.remove_prefix(1);
  // Build metadata: from the first '+' that `\+.*$` can match, i.e. one with no
  // line break after it.
  size_t last_break = v.find_last_of("\r\n");
  size_t plus = v.find('+', last_break == std::string_view::npos ? 0 : last_break);
  if (plus != std::string_view::npos) v = v.substr(0, plus);

  std::string out;
  size_t parts = 0;
  auto append = [&](std::string_view part) {
    if (parts++) out += '-';
    if (all_digits(part) && part.size() < 5) out.append(5 - part.size(), ' ');
    out.append(part.data(), part.size());
  };
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '-' || v[i] == '.') {
      append(v.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts == 3) append("~");
  return out;
}

}  // namespace tactful
