// Who may deliver reports to the collector's POST /collect (and its CORS
// preflight). Browsers send a report from the collector's own pages, or from
// a site listed in reporting.allowedOrigins; tools that are not browsers
// (curl, `tactful bench-load`, a server relaying reports) send no Origin.
// Every report is application/octet-stream (or has no Content-Type, which
// means the same): text/plain, form and multipart bodies are CORS "simple"
// requests that any web page may send anywhere without a preflight, so the
// collector refuses them rather than count what a page on another site posted.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tactful {

// The request headers that say where a post comes from (empty when absent).
struct PostSource {
  std::string_view origin;      // Origin
  std::string_view host;        // Host: the collector's own origin is http(s)://HOST
  std::string_view fetch_site;  // Sec-Fetch-Site, which no page can set
};

// True for no Origin, the collector's own origin, or one of `allowed` (exact).
bool origin_allowed(const std::vector<std::string>& allowed, const PostSource& source);

// True if a Content-Type header names application/octet-stream (any case,
// parameters ignored) or is absent.
bool is_octet_stream(std::string_view content_type);

}  // namespace tactful
