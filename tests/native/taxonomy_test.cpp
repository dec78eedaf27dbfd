// The taxonomy rules: which interests exist, and which may never be used.
#include <doctest/doctest.h>

#include "tactful/taxonomy.hpp"

using namespace tactful;

namespace {
Taxonomy parse(const char* text, Diagnostics& diag) { return parse_taxonomy(json::parse(text), diag); }

bool has(const std::vector<Error>& list, const std::string& path, const std::string& words) {
  for (const auto& e : list) {
    if (e.path == path && e.message.find(words) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("the sensitive classes are a fixed vocabulary") {
  CHECK(sensitive_classes() ==
        std::vector<std::string>{"health", "finance", "religion", "politics", "sexuality", "children"});
  CHECK(is_sensitive_class("religion"));
  CHECK_FALSE(is_sensitive_class("outdoor"));
}

TEST_CASE("an interest declared sensitive is known but never usable") {
  Diagnostics diag;
  auto t = parse(R"({"taxonomy": [{"id": "trail-running", "label": "Trail running"},
                                  {"id": "pregnancy-care", "label": "Pregnancy care", "sensitive": "health"}]})",
                 diag);
  CHECK(diag.ok());
  CHECK(diag.warnings.empty());  // declared: nothing to warn about
  REQUIRE(t.find("pregnancy-care") != nullptr);
  CHECK(t.find("pregnancy-care")->sensitive == "health");
  CHECK(t.usable("trail-running"));
  CHECK_FALSE(t.usable("pregnancy-care"));
  CHECK_FALSE(t.usable("unheard-of"));
}

TEST_CASE("a sensitive class is a reserved word, not an interest id") {
  Diagnostics diag;
  auto t = parse(R"({"taxonomy": [{"id": "health", "label": "Health"}]})", diag);
  CHECK(has(diag.errors, "taxonomy[0].id", "reserved word"));
  CHECK(t.find("health") == nullptr);
}

TEST_CASE("a sensitive class is reserved in any letter case") {
  Diagnostics diag;
  auto t = parse(R"({"taxonomy": [{"id": "Health"}, {"id": "RELIGION"}, {"id": "healthy-snacks"}]})", diag);
  CHECK(has(diag.errors, "taxonomy[0].id", "declare a specific interest with sensitive: \"health\""));
  CHECK(has(diag.errors, "taxonomy[1].id", "reserved word"));
  CHECK(diag.errors.size() == 2);
  CHECK(t.find("Health") == nullptr);
  CHECK(t.find("healthy-snacks") != nullptr);
}

TEST_CASE("an unknown sensitive class, a duplicate id or a bad label is an error with its path") {
  Diagnostics diag;
  parse(R"({"taxonomy": [{"id": "a", "sensitive": "medical"}, {"id": "b"}, {"id": "b"},
                         {"id": "c", "label": 3}, {"id": "has.dot"}, "x", {"id": "d", "lable": "D"}]})",
        diag);
  CHECK(has(diag.errors, "taxonomy[0].sensitive", "must be one of health, finance"));
  CHECK(has(diag.errors, "taxonomy[2].id", "duplicate interest id 'b'"));
  CHECK(has(diag.errors, "taxonomy[3].label", "must be a string"));
  CHECK(has(diag.errors, "taxonomy[4].id", "letters, digits"));
  CHECK(has(diag.errors, "taxonomy[5]", "must be an object"));
  CHECK(has(diag.errors, "taxonomy[6].lable", "unknown key"));
  Diagnostics diag2;
  parse(R"({"taxonomy": {"id": "a"}})", diag2);
  CHECK(has(diag2.errors, "taxonomy", "must be an array"));
}

TEST_CASE("an id or label that looks sensitive but is not declared so draws a warning") {
  Diagnostics diag;
  parse(R"({"taxonomy": [{"id": "maternity", "label": "Maternity wear"},
                         {"id": "glucose", "label": {"en": "Diabetes care", "es": "Diabetes"}},
                         {"id": "personal-loans"}, {"id": "church-events"}, {"id": "trail-running"},
                         {"id": "ofertas", "label": {"en": "Deals", "es": "Préstamos rápidos"}}]})",
        diag);
  CHECK(diag.ok());
  CHECK(has(diag.warnings, "taxonomy[0].id", "looks like a health interest"));
  CHECK(has(diag.warnings, "taxonomy[1].label.en", "health"));
  // A label's warning quotes the label, the words that were judged.
  CHECK(has(diag.warnings, "taxonomy[1].label.en",
            "'Diabetes care' (the label of 'glucose') looks like a health interest"));
  CHECK(has(diag.warnings, "taxonomy[5].label.es", "'Préstamos rápidos' (the label of 'ofertas')"));
  CHECK(has(diag.warnings, "taxonomy[2].id", "finance"));
  CHECK(has(diag.warnings, "taxonomy[3].id", "religion"));
  CHECK(has(diag.warnings, "taxonomy[5].label.es", "finance"));
  CHECK(diag.warnings.size() == 5);  // trail running is just trail running
}

TEST_CASE("a label given as one plain string that looks sensitive draws the warning too") {
  Diagnostics diag;
  parse(R"({"taxonomy": [{"id": "glucose", "label": "Diabetes care"}]})", diag);
  CHECK(diag.ok());
  CHECK(has(diag.warnings, "taxonomy[0].label", "'Diabetes care' (the label of 'glucose') looks like a health interest"));
}

TEST_CASE("lookalikes are judged word by word, in English and Spanish") {
  CHECK(sensitive_lookalike("Pregnancy yoga") == "health");
  CHECK(sensitive_lookalike("payday_loans") == "finance");
  CHECK(sensitive_lookalike("/iglesia/horarios") == "religion");
  CHECK(sensitive_lookalike("Election night") == "politics");
  CHECK(sensitive_lookalike("LGBTQ pride") == "sexuality");
  CHECK(sensitive_lookalike("kids-shoes") == "children");
  CHECK(sensitive_lookalike("Allergy medication") == "health");
  CHECK(sensitive_lookalike("online-casino") == "finance");
  CHECK(sensitive_lookalike("como votar") == "politics");
  CHECK(sensitive_lookalike("trail running") == "");
  CHECK(sensitive_lookalike("Wealthy") == "");  // "health" inside another word is not the word
  // The first and last words of a class's list, a plural, and near misses.
  CHECK(sensitive_lookalike("HEALTH") == "health");
  CHECK(sensitive_lookalike("ropa infantil") == "children");
  CHECK(sensitive_lookalike("mortgages") == "finance");
  CHECK(sensitive_lookalike("s") == "");
  CHECK(sensitive_lookalike("loa") == "");
  CHECK(sensitive_lookalike("loanss") == "");
}

TEST_CASE("a lookalike is seen in its plural and in capitals, whatever the language") {
  // Plurals in -es and -ies, as labels are often written.
  CHECK(sensitive_lookalike("Churches near you") == "religion");
  CHECK(sensitive_lookalike("Pharmacies") == "health");
  CHECK(sensitive_lookalike("therapies") == "health");
  CHECK(sensitive_lookalike("disabilities") == "health");
  // Capitals beyond ASCII, as a Spanish label may be set.
  CHECK(sensitive_lookalike("PRÉSTAMOS RÁPIDOS") == "finance");
  CHECK(sensitive_lookalike("BEBÉS") == "children");
  // Near misses stay quiet.
  CHECK(sensitive_lookalike("churchill") == "");
  CHECK(sensitive_lookalike("sies") == "");
  CHECK(sensitive_lookalike("es") == "");
}

TEST_CASE("labels are read in the visitor's language, falling back to English") {
  json label = {{"en", "Trail running"}, {"es", "Carreras de montaña"}};
  CHECK(label_text(label, "es") == "Carreras de montaña");
  CHECK(label_text(label, "fr") == "Trail running");
  CHECK(label_text(json("Yoga"), "es") == "Yoga");
}

TEST_CASE("a taxonomy holds at most 5000 interests") {
  json root = {{"taxonomy", json::array()}};
  for (int i = 0; i < 5000; ++i) root["taxonomy"].push_back({{"id", "t" + std::to_string(i)}});
  Diagnostics fits;
  CHECK(parse_taxonomy(root, fits).interests.size() == 5000);
  CHECK(fits.ok());
  root["taxonomy"].push_back({{"id", "one-more"}});
  Diagnostics over;
  CHECK(parse_taxonomy(root, over).interests.empty());
  REQUIRE(over.errors.size() == 1);
  CHECK(over.errors[0].to_string() == "taxonomy: at most 5000 interests (found 5001)");
}
