#include "tactful/json.hpp"

#include <string>

namespace tactful {

namespace {
// Records where the parser stopped, without exceptions.
class ErrorCatchingSax : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<json>;
  explicit ErrorCatchingSax(json& j) : Base(j, false) {}
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception&) {
    failed = true;
    offset = position;
    token = last_token;
    return false;
  }
  bool failed = false;
  std::size_t offset = 0;
  std::string token;
};
}  // namespace

Result<json> parse_json(std::string_view text) {
  json out;
  ErrorCatchingSax sax(out);
  bool done = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, true);
  if (!done || sax.failed) {
    std::string near = sax.token.size() > 20 ? sax.token.substr(0, 20) + "..." : sax.token;
    return make_error("", "invalid JSON at byte " + std::to_string(sax.offset) +
                              (near.empty() ? "" : " near '" + near + "'"));
  }
  return out;
}

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

std::string join_path(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

}  // namespace tactful
