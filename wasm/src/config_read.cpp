#include "tactful/config_read.hpp"

#include <cmath>

namespace tactful {

bool is_one_of(std::string_view key, const char* words) {
  std::string_view rest(words);
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    if (rest.substr(0, space) == key) return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
}

std::optional<int64_t> whole_number(const json& v) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (!v.is_number()) return std::nullopt;
  double d = v.get<double>();
  if (!(std::fabs(d) <= kExact) || std::floor(d) != d) return std::nullopt;
  return v.is_number_integer() ? v.get<int64_t>() : static_cast<int64_t>(d);
}

void check_keys(const json& node, const std::string& path, const char* known, const char* message, Diagnostics& diag,
                bool warn_only) {
  for (const auto& item : node.items()) {
    if (is_one_of(item.key(), known)) continue;
    if (warn_only) diag.warn(join_path(path, item.key()), message);
    else diag.error(join_path(path, item.key()), message);
  }
}

void check_languages(const json& texts, const std::string& path, Diagnostics& diag) {
  check_keys(texts, path, "en es", "unknown language, shown to no one (visitors are shown en or es)", diag, true);
}

void check_visitor_text(const json& node, const std::string& path, Diagnostics& diag) {
  if (node.is_string()) return;
  if (!node.is_object() || node.empty()) {
    diag.error(path, "must be a string or an object of strings per language ({\"en\": ..., \"es\": ...})");
    return;
  }
  for (const auto& item : node.items()) {
    if (!item.value().is_string()) diag.error(join_path(path, item.key()), "must be a string");
  }
  check_languages(node, path, diag);
}

}  // namespace tactful
