// The Content-Security-Policy `tactful serve` sends with a site's pages.
#pragma once
#include <string>

#include "tactful/json.hpp"

namespace tactful {

// The origin (scheme://host[:port]) of a config's reporting.collector when it
// is an absolute http(s) URL, else "" (a path: the page's own origin).
std::string collector_origin(const json& config);

// The site's policy: the module's needs, and connect-src the page's own origin
// plus the collector's when it is on another (else its reports are blocked).
std::string site_csp(const json& config);

}  // namespace tactful
