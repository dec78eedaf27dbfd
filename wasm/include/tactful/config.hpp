// The site's config, loaded once: every section parsed and checked by the
// module that owns its rules, conditions compiled, guardrails applied.
#pragma once
#include <string_view>

#include "tactful/consent.hpp"
#include "tactful/decide.hpp"
#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"
#include "tactful/profile.hpp"
#include "tactful/report.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

struct Config {
  json raw;  // as written; the panel's strings and labels are read from here
  Taxonomy taxonomy;
  ProfileRules profile;
  ConsentRules consent;
  DecideRules decide;
  ReportRules reporting;
};

// Parses and validates a config. Every problem found goes to `diag` with its
// JSON path; the result is an error when there is at least one.
Result<Config> load_config(std::string_view text, Diagnostics& diag);

}  // namespace tactful
