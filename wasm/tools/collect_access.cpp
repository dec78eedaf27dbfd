#include "collect_access.hpp"

#include "tactful/ascii.hpp"

#include <algorithm>

namespace tactful {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Origin is "scheme://host[:port]"; Host is "host[:port]". The collector
// speaks plain HTTP, possibly behind a proxy that adds TLS: either scheme.
bool same_origin(std::string_view origin, std::string_view host) {
  if (host.empty()) return false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() == scheme.size() + host.size() && ascii_iequals(origin.substr(0, scheme.size()), scheme) &&
        ascii_iequals(origin.substr(scheme.size()), host)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool origin_allowed(const std::vector<std::string>& allowed, const PostSource& source) {
  if (source.origin.empty()) return true;  // not sent by a browser's page
  if (same_origin(source.origin, source.host)) return true;
  // Browsers that follow the Fetch standard send "Origin: null" for a
  // same-origin POST made under referrer policy no-referrer, as our
  // transport's are; Sec-Fetch-Site tells those apart from an opaque origin
  // (a sandboxed frame, a data: page) elsewhere, which also sends null.
  if (source.origin == "null") return source.fetch_site == "same-origin";
  return std::find(allowed.begin(), allowed.end(), source.origin) != allowed.end();
}

bool is_octet_stream(std::string_view content_type) {
  // No Content-Type at all: RFC 9110 (8.3) lets the recipient assume
  // application/octet-stream, as scripts and tools posting raw bytes expect.
  // A page that posts one still sends an Origin, checked before this.
  if (trimmed(content_type).empty()) return true;
  return ascii_iequals(trimmed(content_type.substr(0, content_type.find(';'))), "application/octet-stream");
}

}  // namespace tactful
