#include "site_csp.hpp"

#include <cctype>

namespace tactful {

std::string collector_origin(const json& config) {
  const json* reporting = config.is_object() ? config.find_ptr("reporting") : nullptr;
  const json* collector = reporting && reporting->is_object() ? reporting->find_ptr("collector") : nullptr;
  if (!collector || !collector->is_string()) return "";
  const std::string& url = collector->get_ref<const std::string&>();
  size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0) return "";
  // Host and port only, from a closed set of characters: whatever follows
  // (path, query) is not the origin, and nothing can end the directive early.
  size_t end = scheme;
  while (end < url.size() && (std::isalnum(static_cast<unsigned char>(url[end])) || url[end] == '.' ||
                              url[end] == '-' || url[end] == ':' || url[end] == '[' || url[end] == ']')) {
    ++end;
  }
  if (end == scheme || (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#')) return "";
  return url.substr(0, end);
}

std::string site_csp(const json& config) {
  std::string connect = "'self'";
  std::string origin = collector_origin(config);
  if (!origin.empty()) connect += " " + origin;
  return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
         "connect-src " + connect + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
}

}  // namespace tactful
