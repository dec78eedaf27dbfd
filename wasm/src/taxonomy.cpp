#include "tactful/taxonomy.hpp"

#include <cctype>

#include "tactful/config_read.hpp"

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

// Words that suggest a sensitive class, in English and Spanish. The list errs
// towards warning: a false alarm costs the owner one look, a miss could cost a
// visitor their privacy. Matched against whole words, also without a plural "s".
struct Lookalikes {
  const char* sensitive_class;
  std::vector<const char*> words;
};

const std::vector<Lookalikes>& lookalikes() {
  static const std::vector<Lookalikes> table = {
      {"health",
       {"health", "healthcare", "medical", "medicine", "pharmacy", "prescription", "clinic", "hospital", "pregnancy",
        "pregnant", "maternity", "prenatal", "fertility", "ivf", "contraception", "abortion", "diabetes", "diabetic",
        "insulin", "cancer", "oncology", "hiv", "std", "therapy", "therapist", "mental", "depression", "anxiety",
        "disability", "rehab", "addiction", "dementia", "weightloss", "salud", "embarazo", "embarazada", "maternidad",
        "farmacia", "médico", "medico", "cáncer", "terapia", "fertilidad"}},
      {"finance",
       {"finance", "financial", "loan", "lending", "lender", "credit", "debt", "mortgage", "bankruptcy", "payday",
        "overdraft", "insolvency", "income", "salary", "préstamo", "prestamo", "hipoteca", "deuda", "crédito",
        "credito", "finanzas"}},
      {"religion",
       {"religion", "religious", "church", "mosque", "synagogue", "temple", "bible", "quran", "koran", "torah",
        "christian", "muslim", "jewish", "islam", "islamic", "hindu", "buddhist", "catholic", "prayer", "religión",
        "iglesia", "mezquita", "sinagoga", "católico", "catolico", "oración"}},
      {"politics",
       {"politics", "political", "politician", "election", "voting", "voter", "democrat", "republican", "activism",
        "activist", "política", "politica", "elecciones", "partido"}},
      {"sexuality",
       {"sexuality", "sexual", "sex", "lgbt", "lgbtq", "gay", "lesbian", "bisexual", "transgender", "queer", "dating",
        "erotic", "adult", "sexualidad", "citas"}},
      {"children",
       {"children", "child", "kid", "baby", "babie", "toddler", "infant", "teen", "teenager", "minor", "nursery",
        "niño", "niños", "nino", "ninos", "bebé", "bebe", "infantil"}},
  };
  return table;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

std::string class_of_word(const std::string& word) {
  for (const auto& entry : lookalikes()) {
    for (const char* w : entry.words) {
      std::string_view candidate(w);
      if (word == candidate) return entry.sensitive_class;
      if (word.size() == candidate.size() + 1 && word.back() == 's' && word.compare(0, candidate.size(), candidate) == 0) {
        return entry.sensitive_class;
      }
    }
  }
  return "";
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
  std::string lower = lower_ascii(text);
  size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
    size_t start = i;
    while (i < lower.size() && is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
    if (i > start) {
      std::string found = class_of_word(lower.substr(start, i - start));
      if (!found.empty()) return found;
    }
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

Taxonomy parse_taxonomy(const json& root, Diagnostics& diag) {
  Taxonomy taxonomy;
  const json* it = root.find_ptr("taxonomy");
  if (!it) return taxonomy;
  if (!it->is_array()) {
    diag.error("taxonomy", "must be an array of {id, label, sensitive?}");
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
    if (is_sensitive_class(interest.id)) {
      diag.error(join_path(path, "id"), "'" + interest.id + "' is a reserved word (a sensitive class: " +
                                            vocabulary() + "); declare a specific interest with sensitive: \"" +
                                            interest.id + "\" instead");
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
      std::string looks = sensitive_lookalike(interest.id);
      std::string where = "id";
      if (looks.empty() && interest.label.is_string()) {
        looks = sensitive_lookalike(interest.label.get<std::string>());
        where = "label";
      }
      if (looks.empty() && interest.label.is_object()) {
        for (const auto& l : interest.label.items()) {
          if (looks.empty() && l.value().is_string()) {
            looks = sensitive_lookalike(l.value().get<std::string>());
            where = "label." + l.key();
          }
        }
      }
      if (!looks.empty()) {
        diag.warn(join_path(path, where), "'" + interest.id + "' looks like a " + looks +
                                              " interest; if it is, declare it with \"sensitive\": \"" + looks +
                                              "\" so it is never stored or targeted");
      }
    }
    taxonomy.interests.push_back(std::move(interest));
  }
  return taxonomy;
}

}  // namespace tactful
