// The site's interest taxonomy: the only interests the profile may hold.
// Sensitive interests (a class from a fixed vocabulary) are declared so that
// they can be refused everywhere: never stored, never in a rule or template.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"

namespace tactful {

// The fixed vocabulary of sensitive classes; these words are reserved as ids.
const std::vector<std::string>& sensitive_classes();
bool is_sensitive_class(std::string_view word);

// The sensitive class that `text` (an id, a label, a page path) looks like,
// judged word by word against a list per class ("maternity" -> "health"), or
// empty. Used for the linter's warnings; a lookalike is never an error.
std::string sensitive_lookalike(std::string_view text);

// A label in `lang` ("en", "es"), falling back to English, then to any language.
std::string label_text(const json& label, const std::string& lang);

struct Interest {
  std::string id;
  json label;             // a string, or {"en": "...", "es": "..."}
  std::string sensitive;  // empty, or one of sensitive_classes()
};

struct Taxonomy {
  std::vector<Interest> interests;

  const Interest* find(std::string_view id) const;
  // Known and not sensitive: the only interests the profile may store.
  bool usable(std::string_view id) const;
  // The sensitive interest whose id or label (any language) `text` names as
  // a whole word or phrase, in any letter case, or null: owner-written words
  // (content, reasons, page templates) must never name one.
  const Interest* sensitive_named_in(std::string_view text) const;
  // The sensitive interest a purchase category (a slug) is or names, or null:
  // its id, or a sensitive id or label as whole words with '-' and '_' read
  // as spaces ("orthopedic_insoles" names "Orthopedic insoles"). Buying in
  // such a category says as much as viewing the interest.
  const Interest* sensitive_category(std::string_view category) const;
};

// Reads `taxonomy` from the config root: [{id, label, sensitive?}, ...].
// Warns (for the linter) when an id or label looks sensitive but is not declared so.
Taxonomy parse_taxonomy(const json& root, Diagnostics& diag);

}  // namespace tactful
