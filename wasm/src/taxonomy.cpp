#include "tactful/taxonomy.hpp"

#include <cctype>
#include <cstring>

#include "tactful/ascii.hpp"
#include "tactful/config_read.hpp"
#include "tactful/unicode_case.hpp"

namespace tactful {

const std::vector<std::string>& sensitive_classes() {
  static const std::vector<std::string> classes = {"health", "finance", "religion", "politics", "sexuality", "children"};
  return classes;
}

bool is_sensitive_class(std::string_view word) {
  for (const auto& c : sensitive_classes()) {
    if (c == word) return true;
  }
  return false;
}

namespace {

// Words that suggest a sensitive class, in English and Spanish, one list of
// space-separated words per class (a table of literals costs code to build at
// start and a strlen per comparison). The list errs towards warning: a false
// alarm costs the owner one look, a miss could cost a visitor their privacy.
// Matched against whole words, also in a plural (-s, -es, -ies).
struct Lookalikes {
  const char* sensitive_class;
  std::string_view words;
};

constexpr Lookalikes kLookalikes[] = {
    {"health",
     "health healthcare medical medicine medication pharmacy prescription clinic hospital pregnancy pregnant maternity "
     "prenatal fertility ivf contraception abortion diabetes diabetic insulin cancer oncology hiv std therapy "
     "therapist mental depression anxiety disability rehab addiction dementia weightloss salud embarazo "
     "embarazada maternidad farmacia médico medico medicamento cáncer terapia fertilidad"},
    {"finance",
     "finance financial loan lending lender credit debt mortgage bankruptcy payday overdraft insolvency income "
     "salary gambling casino betting préstamo prestamo hipoteca deuda crédito credito finanzas apuestas"},
    {"religion",
     "religion religious church mosque synagogue temple bible quran koran torah christian muslim jewish islam "
     "islamic hindu buddhist catholic prayer religión iglesia mezquita sinagoga católico catolico oración"},
    {"politics",
     "politics political politician election voting voter democrat republican activism activist política "
     "politica elecciones partido votar"},
    {"sexuality",
     "sexuality sexual sex lgbt lgbtq gay lesbian bisexual transgender queer dating erotic adult sexualidad "
     "citas"},
    {"children",
     "children child kid baby babie toddler infant teen teenager minor nursery niño niños nino ninos bebé bebe "
     "infantil"},
};

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// The class whose list holds exactly `word` (n bytes), or null. Plain
// pointer walks: at -Oz the string_view helpers are calls, and every
// taxonomy entry and rule value is checked at each config load.
const char* listed_class(const char* word, size_t n) {
  for (const auto& entry : kLookalikes) {
    const char* p = entry.words.data();
    const char* end = p + entry.words.size();
    while (p < end) {
      const char* q = p;
      while (q < end && *q != ' ') ++q;
      if (static_cast<size_t>(q - p) == n && std::memcmp(p, word, n) == 0) return entry.sensitive_class;
      p = q + 1;
    }
  }
  return nullptr;
}

bool ends_with(const std::string& word, const char* tail, size_t n) {
  return word.size() > n && std::memcmp(word.data() + word.size() - n, tail, n) == 0;
}

// `word` is lower-case: a listed word, or its plural in "-s", "-es" or
// "-ies" for "-y" (loans, churches, pharmacies).
const char* class_of_word(const std::string& word) {
  size_t n = word.size();
  const char* found = listed_class(word.data(), n);
  if (!found && ends_with(word, "ies", 3)) found = listed_class((word.substr(0, n - 3) + "y").data(), n - 2);
  if (!found && ends_with(word, "es", 2)) found = listed_class(word.data(), n - 2);
  if (!found && ends_with(word, "s", 1)) found = listed_class(word.data(), n - 1);
  return found;
}

bool valid_interest_id(const std::string& id) {
  if (id.empty()) return false;
  for (unsigned char c : id) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string vocabulary() {
  std::string out;
  for (const auto& c : sensitive_classes()) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

std::string sensitive_lookalike(std::string_view text) {
  std::string word;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    word.clear();
    bool ascii = true;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) {
      ascii = ascii && static_cast<unsigned char>(text[i]) < 0x80;
      word += ascii_lower(text[i++]);
    }
    if (!ascii) word = js_lower(word);  // a Spanish label in capitals: PRÉSTAMOS
    if (const char* found = word.empty() ? nullptr : class_of_word(word)) return found;
  }
  return "";
}

std::string label_text(const json& label, const std::string& lang) {
  if (label.is_string()) return label.get<std::string>();
  if (!label.is_object()) return "";
  for (const char* key : {lang.c_str(), "en"}) {
    const json* it = label.find_ptr(key);
    if (it && it->is_string()) return it->get<std::string>();
  }
  for (const auto& item : label.items()) {
    if (item.value().is_string()) return item.value().get<std::string>();
  }
  return "";
}

const Interest* Taxonomy::find(std::string_view id) const {
  for (const auto& interest : interests) {
    if (interest.id == id) return &interest;
  }
  return nullptr;
}

bool Taxonomy::usable(std::string_view id) const {
  const Interest* interest = find(id);
  return interest != nullptr && interest->sensitive.empty();
}

namespace {

// `phrase` occurs in `text` with no letter or digit touching either end.
bool contains_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty() || phrase.size() > text.size()) return false;
  for (size_t at = 0; at + phrase.size() <= text.size(); ++at) {
    size_t k = 0;
    while (k < phrase.size() && ascii_lower(text[at + k]) == ascii_lower(phrase[k])) ++k;
    if (k < phrase.size()) continue;
    bool open_before = at == 0 || !is_word_byte(static_cast<unsigned char>(text[at - 1]));
    size_t after = at + phrase.size();
    if (open_before && (after == text.size() || !is_word_byte(static_cast<unsigned char>(text[after])))) return true;
  }
  return false;
}

}  // namespace

const Interest* Taxonomy::sensitive_named_in(std::string_view text) const {
  // Letters beyond ASCII ("PLANTILLAS ORTOPÉDICAS") are compared lowered as
  // JavaScript lowers them; only such text pays for it.
  bool wide = false;
  for (unsigned char c : text) wide = wide || c >= 0x80;
  const std::string lowered = wide ? js_lower(text) : std::string();
  auto names = [&](const std::string& phrase) {
    return contains_phrase(text, phrase) || (wide && contains_phrase(lowered, js_lower(phrase)));
  };
  for (const auto& interest : interests) {
    if (interest.sensitive.empty()) continue;
    if (names(interest.id)) return &interest;
    if (interest.label.is_string() && names(interest.label.get_ref<const std::string&>())) return &interest;
    if (interest.label.is_object()) {
      for (const auto& l : interest.label.items()) {
        if (l.value().is_string() && names(l.value().get_ref<const std::string&>())) return &interest;
      }
    }
  }
  return nullptr;
}

const Interest* Taxonomy::sensitive_category(std::string_view category) const {
  if (const Interest* exact = find(category); exact && !exact->sensitive.empty()) return exact;
  auto spaced = [](std::string_view slug) {
    std::string out(slug);
    for (char& c : out) c = c == '-' || c == '_' ? ' ' : c;
    return out;
  };
  const std::string words = spaced(category);
  if (const Interest* named = sensitive_named_in(words)) return named;
  for (const auto& interest : interests) {
    if (!interest.sensitive.empty() && contains_phrase(words, spaced(interest.id))) return &interest;
  }
  return nullptr;
}

Taxonomy parse_taxonomy(const json& root, Diagnostics& diag) {
  Taxonomy taxonomy;
  const json* it = root.find_ptr("taxonomy");
  if (!it) return taxonomy;
  if (!it->is_array()) {
    diag.error("taxonomy", "must be an array of {id, label, sensitive?}");
    return taxonomy;
  }
  // Interests are looked up by id, one by one (find): this bounds what loading
  // a config and every tracked event cost. Ample for a store's taxonomy.
  if (it->size() > 5000) {
    diag.error("taxonomy", "at most 5000 interests (found " + std::to_string(it->size()) + ")");
    return taxonomy;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    std::string path = join_path("taxonomy", i);
    if (!entry.is_object()) {
      diag.error(path, "must be an object {id, label, sensitive?}");
      continue;
    }
    check_keys(entry, path, "id label sensitive", "unknown key (expected id, label, sensitive)", diag);
    Interest interest;
    const json* id = entry.find_ptr("id");
    if (!id || !id->is_string() || !valid_interest_id(id->get<std::string>())) {
      diag.error_at(path, "id", "must be a non-empty string of letters, digits, '-' or '_'");
      continue;
    }
    interest.id = id->get_ref<const std::string&>();
    // In any case: "Health" is the class word as much as "health" is.
    if (std::string word = ascii_lower(interest.id); is_sensitive_class(word)) {
      diag.error(join_path(path, "id"), "'" + interest.id + "' is a reserved word (a sensitive class: " +
                                            vocabulary() + "); declare a specific interest with sensitive: \"" +
                                            word + "\" instead");
      continue;
    }
    if (taxonomy.find(interest.id) != nullptr) {
      diag.error(join_path(path, "id"), "duplicate interest id '" + interest.id + "'");
      continue;
    }
    const json* label = entry.find_ptr("label");
    if (!label) {
      interest.label = interest.id;
    } else if (label->is_string() && !label->get<std::string>().empty()) {
      interest.label = *label;
    } else if (label->is_object() && !label->empty()) {
      bool all_text = true;
      for (const auto& l : label->items()) all_text = all_text && l.value().is_string();
      if (!all_text) diag.error_at(path, "label", "every language's label must be a string");
      check_languages(*label, join_path(path, "label"), diag);
      interest.label = *label;
    } else {
      diag.error_at(path, "label", "must be a string or an object of strings per language ({\"en\": ...})");
    }
    const json* sensitive = entry.find_ptr("sensitive");
    if (sensitive) {
      if (!sensitive->is_string() || !is_sensitive_class(sensitive->get<std::string>())) {
        diag.error(join_path(path, "sensitive"), "must be one of " + vocabulary());
      } else {
        interest.sensitive = sensitive->get_ref<const std::string&>();
      }
    }
    if (interest.sensitive.empty()) {
      // The warning quotes the words judged: a label's, with the id it labels.
      std::string looks = sensitive_lookalike(interest.id);
      std::string where = "id", judged = "'" + interest.id + "'";
      auto judge = [&](const std::string& text, std::string at) {
        if (!looks.empty()) return;
        looks = sensitive_lookalike(text);
        where = std::move(at);
        judged = "'" + text + "' (the label of '" + interest.id + "')";
      };
      if (interest.label.is_string()) judge(interest.label.get<std::string>(), "label");
      if (interest.label.is_object()) {
        for (const auto& l : interest.label.items()) {
          if (l.value().is_string()) judge(l.value().get<std::string>(), "label." + l.key());
        }
      }
      if (!looks.empty()) {
        diag.warn(join_path(path, where), judged + " looks like a " + looks +
                                              " interest; if it is, declare it with \"sensitive\": \"" + looks +
                                              "\" so it is never stored or targeted");
      }
    }
    taxonomy.interests.push_back(std::move(interest));
  }
  return taxonomy;
}

}  // namespace tactful
