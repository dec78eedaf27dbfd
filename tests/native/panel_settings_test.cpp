// The settings only the browser's panel reads (panel_settings.hpp) are checked
// when the config loads: a typo or a wrong type is an error with its path,
// never a setting the page silently ignores.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tactful/config.hpp"

using namespace tactful;

namespace {

std::vector<std::string> errors_of(const std::string& config) {
  Diagnostics diag;
  load_config(config, diag);
  std::vector<std::string> out;
  for (const auto& e : diag.errors) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("the documented panel settings load without a word") {
  CHECK(errors_of(R"cfg({"policyVersion": "1",
    "site": {"name": "Shop", "directedAtChildren": false, "language": "es"},
    "privacyPolicyUrl": "/privacy.html",
    "policyChanges": {"en": "We now keep purchases for 12 months.", "es": "Ahora guardamos las compras 12 meses."},
    "panel": {"position": "bottom-left", "label": {"en": "Privacy", "es": "Privacidad"},
              "descriptions": {"personalization": {"en": "x"}, "occasions": "y"}},
    "invitation": {"enabled": false, "title": "Personalize?", "text": {"en": "One sentence."}}})cfg")
            .empty());
  CHECK(errors_of(R"cfg({"policyVersion": "1", "privacyPolicyUrl": "https://example.com/privacy?a=b:c"})cfg").empty());
}

TEST_CASE("a typo or a wrong type in a panel setting is an error at its path") {
  auto errors = errors_of(R"cfg({"policyVersion": "1",
    "site": {"langauge": "es", "name": 5},
    "privacyPolicyUrl": "javascript:alert(1)",
    "policyChanges": {"en": 5},
    "panel": {"position": "top", "label": [], "descriptions": {"personalisation": "x", "aggregate": 1}},
    "invitation": {"enabled": "no", "tittle": "x", "text": {}}})cfg");
  for (const char* expected : {
           "site.langauge: unknown key (expected name, directedAtChildren, language)",
           "site.name: must be a string",
           "privacyPolicyUrl: must be a web address (http, https or a relative path)",
           "policyChanges.en: must be a string",
           "panel.position: must be \"bottom-right\" or \"bottom-left\"",
           "panel.label: must be a string or an object of strings per language ({\"en\": ..., \"es\": ...})",
           "panel.descriptions.personalisation: unknown choice (expected personalization, aggregate, interests, "
           "purchases, location, occasions)",
           "panel.descriptions.aggregate: must be a string or an object of strings per language ({\"en\": ..., \"es\": ...})",
           "invitation.enabled: must be true or false",
           "invitation.tittle: unknown key (expected enabled, title, text)",
           "invitation.text: must be a string or an object of strings per language ({\"en\": ..., \"es\": ...})",
       }) {
    CHECK_MESSAGE(std::find(errors.begin(), errors.end(), expected) != errors.end(), "missing: " << expected);
  }
  CHECK(errors.size() == 11);
}

TEST_CASE("a panel setting of the wrong kind says what it must be") {
  CHECK(errors_of(R"cfg({"policyVersion": "1", "site": "Shop"})cfg") ==
        std::vector<std::string>{"site: must be an object {name?, directedAtChildren?, language?}"});
  CHECK(errors_of(R"cfg({"policyVersion": "1", "site": {"language": "fr"}})cfg") ==
        std::vector<std::string>{"site.language: must be \"en\" or \"es\" (the languages the panel speaks)"});
  CHECK(errors_of(R"cfg({"policyVersion": "1", "panel": true})cfg") ==
        std::vector<std::string>{"panel: must be an object {position?, label?, descriptions?}"});
  CHECK(errors_of(R"cfg({"policyVersion": "1", "invitation": 1})cfg") ==
        std::vector<std::string>{"invitation: must be an object {enabled?, title?, text?}"});
  CHECK(errors_of(R"cfg({"policyVersion": "1", "privacyPolicyUrl": " JavaScript:x"})cfg") ==
        std::vector<std::string>{"privacyPolicyUrl: must be a web address (http, https or a relative path)"});
  CHECK(errors_of(R"cfg({"policyVersion": "1", "privacyPolicyUrl": ""})cfg").size() == 1);
  CHECK(errors_of(R"cfg({"policyVersion": "1", "policyChanges": 5})cfg").size() == 1);
}
