// The visitor-facing settings only the browser reads: `site` (name,
// language), `panel`, `invitation`, `privacyPolicyUrl`, `policyChanges`
// (js/panel/README.md). The core decides nothing from them, but checks them
// when the config loads, so that a typo (`langauge`) or a wrong type is an
// error with its path rather than a setting the page silently ignores.
#pragma once
#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"

namespace tactful {

// Adds an error per problem in the config `root`'s panel settings.
void check_panel_settings(const json& root, Diagnostics& diag);

}  // namespace tactful
