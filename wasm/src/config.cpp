#include "tactful/config.hpp"

#include "tactful/config_read.hpp"
#include "tactful/panel_settings.hpp"

namespace tactful {

namespace {
// Top-level keys a config may have: a typo (`slot` for `slots`) must not pass silently.
const char* const kKnownKeys =
    "version site policyVersion privacyPolicyUrl policyChanges consent taxonomy profile slots page holdout "
    "savedGroups deadlineMs notNowDays reporting metrics panel invitation $schema";

// Every visitor's browser fetches and parses the config on every page: one
// this large is a mistake (a data dump pasted in, a runaway generator), and
// refusing it before parsing keeps a hostile one from freezing the page. The
// largest taxonomy allowed, 5000 interests with labels in two languages,
// fits several times over.
constexpr size_t kMaxConfigBytes = 2 * 1024 * 1024;
}  // namespace

Result<Config> load_config(std::string_view text, Diagnostics& diag) {
  if (text.size() > kMaxConfigBytes) {
    diag.error("", "config is " + std::to_string(text.size()) + " bytes, more than the " +
                       std::to_string(kMaxConfigBytes) + " bytes (2 MiB) a config may have");
    return diag.errors.back();
  }
  // Repeated keys are warnings: JSON.parse keeps the last without a word,
  // and an owner who edited the first copy would never learn why nothing changed.
  auto parsed = parse_json(text, &diag);
  if (!parsed.ok()) {
    diag.error("", "config is not valid JSON: " + parsed.error().message);
    return diag.errors.back();
  }
  Config config;
  config.raw = std::move(parsed.value());
  const json& root = config.raw;
  if (!root.is_object()) {
    diag.error("", "config must be a JSON object");
    return diag.errors.back();
  }
  check_keys(root, "", kKnownKeys, "unknown config key", diag);
  const json* version = root.find_ptr("version");
  if (version && whole_number(*version) != 1) {
    diag.error("version", "unsupported config version (this build reads version 1)");
  }
  // Only for editors (the URL of a JSON Schema), but one that is not a URL
  // at all is a mistake an editor would not flag either.
  if (const json* schema = root.find_ptr("$schema"); schema && !schema->is_string()) {
    diag.error("$schema", "must be a string (the URL of a JSON Schema, for editors)");
  }
  config.taxonomy = parse_taxonomy(root, diag);
  config.profile = parse_profile_rules(root, diag);
  config.consent = parse_consent_rules(root, diag);
  config.decide = parse_decide_rules(root, config.taxonomy, diag);
  config.reporting = parse_report_rules(root, config.taxonomy, slot_variants_from_config(root), diag);
  check_panel_settings(root, diag);
  if (!diag.ok()) return diag.errors.front();
  return config;
}

}  // namespace tactful
