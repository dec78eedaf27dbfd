#include "tactful/panel_settings.hpp"

#include <cctype>
#include <string>

#include "tactful/config_read.hpp"

namespace tactful {

namespace {


// `key` of `parent`, checked as a text when present.
void check_text_at(const json& parent, const std::string& path, const char* key, Diagnostics& diag) {
  if (const json* v = parent.find_ptr(key)) check_visitor_text(*v, join_path(path, key), diag);
}

// Whether `parent`[key] is an object; says what it must be otherwise.
const json* object_at(const json& parent, const char* key, const char* expected, Diagnostics& diag) {
  const json* v = parent.find_ptr(key);
  if (v && !v->is_object()) {
    diag.error(key, expected);
    return nullptr;
  }
  return v;
}

void check_site(const json& root, Diagnostics& diag) {
  const json* site = object_at(root, "site", "must be an object {name?, directedAtChildren?, language?}", diag);
  if (!site) return;
  check_keys(*site, "site", "name directedAtChildren language",
             "unknown key (expected name, directedAtChildren, language)", diag);
  if (const json* name = site->find_ptr("name"); name && !name->is_string()) diag.error("site.name", "must be a string");
  if (const json* lang = site->find_ptr("language"); lang && !(lang->is_string() && (*lang == "en" || *lang == "es"))) {
    diag.error("site.language", "must be \"en\" or \"es\" (the languages the panel speaks)");
  }
}

void check_panel(const json& root, Diagnostics& diag) {
  const json* panel = object_at(root, "panel", "must be an object {position?, label?, descriptions?}", diag);
  if (!panel) return;
  check_keys(*panel, "panel", "position label descriptions", "unknown key (expected position, label, descriptions)",
             diag);
  if (const json* pos = panel->find_ptr("position");
      pos && !(pos->is_string() && (*pos == "bottom-right" || *pos == "bottom-left"))) {
    diag.error("panel.position", "must be \"bottom-right\" or \"bottom-left\"");
  }
  check_text_at(*panel, "panel", "label", diag);
  if (const json* d = panel->find_ptr("descriptions")) {
    if (!d->is_object()) {
      diag.error("panel.descriptions", "must be an object of texts per purpose and category");
      return;
    }
    const char* const choices = "personalization aggregate interests purchases location occasions";
    check_keys(*d, "panel.descriptions", choices,
               "unknown choice (expected personalization, aggregate, interests, purchases, location, occasions)", diag);
    for (const auto& item : d->items()) {
      if (is_one_of(item.key(), choices)) check_visitor_text(item.value(), join_path("panel.descriptions", item.key()), diag);
    }
  }
}

void check_invitation(const json& root, Diagnostics& diag) {
  const json* inv = object_at(root, "invitation", "must be an object {enabled?, title?, text?}", diag);
  if (!inv) return;
  check_keys(*inv, "invitation", "enabled title text", "unknown key (expected enabled, title, text)", diag);
  if (const json* on = inv->find_ptr("enabled"); on && !on->is_boolean()) {
    diag.error("invitation.enabled", "must be true or false");
  }
  check_text_at(*inv, "invitation", "title", diag);
  check_text_at(*inv, "invitation", "text", diag);
}

// The panel links to it: a page address, never script. A scheme is what
// comes before a ':' that precedes any '/', '?' or '#'; without one the
// address is relative.
void check_policy_link(const json& root, Diagnostics& diag) {
  const json* url = root.find_ptr("privacyPolicyUrl");
  if (!url) return;
  bool web = url->is_string() && !url->get_ref<const std::string&>().empty();
  if (web) {
    const std::string& text = url->get_ref<const std::string&>();
    size_t end = text.find_first_of(":/?#");
    if (end != std::string::npos && text[end] == ':') {
      std::string scheme;
      for (size_t i = 0; i < end; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (!std::isspace(c)) scheme += static_cast<char>(std::tolower(c));
      }
      web = scheme == "http" || scheme == "https";
    }
  }
  if (!web) diag.error("privacyPolicyUrl", "must be a web address (http, https or a relative path)");
}

}  // namespace

void check_panel_settings(const json& root, Diagnostics& diag) {
  check_site(root, diag);
  check_panel(root, diag);
  check_invitation(root, diag);
  check_policy_link(root, diag);
  if (const json* changes = root.find_ptr("policyChanges")) check_visitor_text(*changes, "policyChanges", diag);
}

}  // namespace tactful
