#include "tactful/decide.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <string_view>

#include "tactful/ascii.hpp"
#include "tactful/config_read.hpp"
#include "tactful/json_writer.hpp"
#include "tactful/profile.hpp"  // iso_time
#include "tactful/number.hpp"
#include "tactful/small_sort.hpp"

namespace tactful {

namespace {

constexpr int64_t kWeekDays = 7;
// A decision may run every regex over the page's path (at most 2048
// characters, engine.cpp): their programs, added up, bound that work.
constexpr size_t kMaxRegexSteps = 10000;  // its error message says the number
// A "not now" as a stored item (export and profile.remove).
constexpr std::string_view kNotNowId = "not-now:";

bool needs_decisive_fill(const json& condition);
struct Fill {
  int interest = -1, like = -1;  // taxonomy positions, or -1
};
Fill decisive_fill(const Variant& v, const DecideRules& rules, const json& attributes);

// ---- placeholders -----------------------------------------------------------

enum Placeholder : unsigned { kInterest = 1, kLike = 2 };

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r"), e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Checks the {{...}} in `text` (plain text: nothing is markup), adding each
// allowed one used to `used`. Profile values reach a page only through these.
Status check_placeholders(const std::string& text, const std::string& path, bool allowed_here, unsigned* used) {
  for (size_t i = text.find("{{"); i != std::string::npos; i = text.find("{{", i)) {
    size_t end = text.find("}}", i + 2);
    if (end == std::string::npos) return make_error(path, "unterminated placeholder '{{'");
    std::string name = trim(text.substr(i + 2, end - i - 2));
    if (!allowed_here) {
      return make_error(path, "placeholder {{" + name + "}} is not allowed here: profile values fill text only, never links, images, attributes, form fields or scripts");
    }
    if (name == "interest") {
      *used |= kInterest;
    } else if (name == "like") {
      *used |= kLike;
    } else {
      return make_error(path, "placeholder {{" + name + "}} is not allowed: templates may greet and suggest, never recite purchases, dates or amounts (allowed: {{interest}}, {{like}})");
    }
    i = end + 2;
  }
  return ok_status();
}

// Owner-written words never name a sensitive interest: a greeting that says
// "orthopedic insoles" tells whoever sees the screen what the rule knew.
Status check_no_sensitive_name(std::string_view text, const std::string& path, const Taxonomy* taxonomy) {
  const Interest* named = taxonomy ? taxonomy->sensitive_named_in(text) : nullptr;
  if (!named) return ok_status();
  return make_error(path, "names '" + named->id + "', a sensitive interest (" + named->sensitive +
                              "); sensitive interests never appear in content, reasons or templates");
}

// Owner-written words shown to visitors (content, a reason, a slot's label):
// placeholders only where `placeholders` (those used added to `used`), and
// never a sensitive interest's name. Each problem is an error at its path.
void check_owner_words(const std::string& text, const std::string& path, bool placeholders, unsigned* used,
                       const Taxonomy& taxonomy, Diagnostics& diag) {
  auto status = check_placeholders(text, path, placeholders, used);
  if (status.ok()) status = check_no_sensitive_name(text, path, &taxonomy);
  if (!status.ok()) diag.error(status.error().path, status.error().message);
}

bool starts_with_ci(const std::string& text, size_t at, const std::string& word) {
  if (text.size() < at + word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (ascii_lower(text[at + k]) != word[k]) return false;
  }
  return true;
}

// Elements whose content is a form field's value or code: never filled.
const char* const kNoFillElements[] = {"textarea", "select", "option", "script", "style", "title"};

// Whether the start tag `tag` ("<div class=x contenteditable ...") makes its
// content editable: contenteditable with no value or any value but "false".
bool makes_editable(const std::string& tag) {
  static const std::string kName = "contenteditable";
  if (tag.size() < 2 || tag[1] == '/') return false;
  for (size_t at = 1; at + kName.size() <= tag.size(); ++at) {
    if (!std::isspace(static_cast<unsigned char>(tag[at - 1])) || !starts_with_ci(tag, at, kName)) continue;
    size_t p = at + kName.size();
    while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
    if (p == tag.size() || tag[p] != '=') return true;  // a bare attribute: editable
    ++p;
    while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
    char quote = p < tag.size() && (tag[p] == '"' || tag[p] == '\'') ? tag[p++] : 0;
    size_t end = p;
    while (end < tag.size() && (quote ? tag[end] != quote : !std::isspace(static_cast<unsigned char>(tag[end])))) ++end;
    std::string value = tag.substr(p, end - p);
    return !(value.size() == 5 && starts_with_ci(value, 0, "false"));
  }
  return false;
}

// ---- attribute paths ----------------------------------------------------------

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

const json* lookup(const json& root, const std::string& path) {
  const json* at = &root;
  for (const auto& part : split_path(path)) {
    if (!at->is_object()) return nullptr;
    at = at->find_ptr(part);
    if (!at) return nullptr;
  }
  return at;
}

// consent.<name>: the purposes and categories the attribute view holds, by
// consent's own names (attributes.cpp writes them the same way).
bool is_consent_name(const std::string& name) {
  for (Purpose p : {Purpose::personalization, Purpose::aggregate}) {
    if (name == purpose_name(p)) return true;
  }
  for (Category c : kCategories) {
    if (name == category_name(c)) return true;
  }
  return false;
}

// The documented attribute view (docs/config.md): anything else is an error,
// since a rule on an attribute that never exists silently never matches.
std::string check_attribute_path(const std::string& path, const Taxonomy& taxonomy) {
  static const char* const kExact[] = {"likes",         "dislikes",    "visits.count",     "visits.daysSinceFirst",
                                       "occasions.birthdayMonth", "location.country", "location.region",
                                       "page.path",     "page.interests", "viewport"};
  for (const char* exact : kExact) {
    if (path == exact) return "";
  }
  auto parts = split_path(path);
  for (const auto& part : parts) {
    if (is_sensitive_class(part)) {
      return "reads '" + path + "': '" + part + "' is a sensitive class; sensitive data can never be used in a rule";
    }
  }
  if (parts[0] == "interests" && parts.size() == 2) {
    const Interest* interest = taxonomy.find(parts[1]);
    if (interest == nullptr) return "reads '" + path + "': '" + parts[1] + "' is not an interest in the taxonomy";
    if (!interest->sensitive.empty()) {
      return "reads '" + path + "': '" + parts[1] + "' is a sensitive interest (" + interest->sensitive +
             "); sensitive interests are never stored and can never be used in a rule";
    }
    return "";
  }
  if (parts[0] == "purchases" && parts.size() == 3 && (parts[2] == "count" || parts[2] == "daysSinceLast")) {
    // Only such categories are ever stored (profile.cpp): a rule on another never matches.
    if (!is_slug(parts[1])) {
      return "reads '" + path + "': '" + parts[1] +
             "' is not a purchase category (1-64 of a-z, 0-9, '-', '_'), so nothing is ever stored under it";
    }
    if (const Interest* interest = taxonomy.sensitive_category(parts[1])) {
      std::string what = interest->id == parts[1] ? "is" : "names the sensitive interest '" + interest->id + "', so is";
      return "reads '" + path + "': '" + parts[1] + "' " + what + " a sensitive interest (" + interest->sensitive +
             "); sensitive data can never be used in a rule";
    }
    return "";
  }
  if (parts[0] == "consent" && parts.size() == 2 && is_consent_name(parts[1])) return "";
  return "reads '" + path + "', which is not an attribute conditions can see (see docs/config.md, \"Attributes\")";
}

// Walks the values a condition compares against: a sensitive class word or a
// sensitive interest's id or label there (`page.interests: {$in: ["pregnancy"]}`,
// `$ini: ["PREGNANCY"]`, `page.path: {$regex: "^/c/pregnancy/"}`) is targeting
// on sensitive data by another road. Named as in content: whole words, any case.
void check_condition_values(const json& node, const std::string& path, const Taxonomy& taxonomy,
                            std::vector<std::string>& strings, Diagnostics& diag) {
  if (node.is_string()) {
    const std::string& s = node.get_ref<const std::string&>();
    strings.push_back(s);
    if (const Interest* named = taxonomy.sensitive_named_in(s)) {
      std::string what = s == named->id ? "'" + s + "' is" : "'" + s + "' names '" + named->id + "',";
      diag.error(path, what + " a sensitive interest (" + named->sensitive + "); sensitive data can never be used in a rule");
      return;
    }
    std::string word = ascii_lower(s);
    size_t i = 0;
    while (i < word.size()) {
      while (i < word.size() && !std::isalnum(static_cast<unsigned char>(word[i]))) ++i;
      size_t start = i;
      while (i < word.size() && std::isalnum(static_cast<unsigned char>(word[i]))) ++i;
      if (i > start && is_sensitive_class(word.substr(start, i - start))) {
        diag.error(path, "'" + s + "' names a sensitive class (" + word.substr(start, i - start) +
                             "); sensitive data can never be used in a rule");
        return;
      }
    }
    std::string looks = sensitive_lookalike(s);
    if (!looks.empty()) diag.warn(path, "'" + s + "' looks like " + looks + " data; rules must not target it");
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) check_condition_values(node[i], join_path(path, i), taxonomy, strings, diag);
  } else if (node.is_object()) {
    for (const auto& item : node.items()) {
      check_condition_values(item.value(), join_path(path, item.key()), taxonomy, strings, diag);
    }
  }
}

// ---- parsing -----------------------------------------------------------------

bool read_int(const json& obj, const char* key, const std::string& path, int lo, int hi, int& out, Diagnostics& diag) {
  const json* it = obj.find_ptr(key);
  if (!it) return false;
  std::optional<int64_t> n = whole_number(*it);
  if (!n || *n < lo || *n > hi) {
    diag.error(join_path(path, key), "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return false;
  }
  out = static_cast<int>(*n);
  return true;
}

// Whether the page shows a link or image at this address as given: the rule
// of js/slots.js (safeUrl), which puts '#' or no image in place of any other.
// Kept the same so that lint refuses what the page would quietly drop
// (mailto:, data:, a protocol-relative //host), not only javascript:.
bool page_uses_address(const std::string& url) {
  std::string lower = ascii_lower(url);
  if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) return true;
  // The URL parser drops tabs and newlines anywhere and reads a backslash as '/', so
  // "/\host" and "/<tab>/host" are a protocol-relative //host: another origin.
  if (url.find_first_of("\t\n\r\\") != std::string::npos) return false;
  if (url.rfind("./", 0) == 0 || url.rfind("../", 0) == 0) return true;
  if (url.empty() || url.rfind("//", 0) == 0) return false;
  if (url[0] == '/') return true;
  for (char c : url) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c != '\0' && std::strchr("_-./?=&#%", c) != nullptr);
    if (!plain) return false;
  }
  return true;
}

void parse_content(const json& content, const std::string& path, const Taxonomy& taxonomy, Variant& v,
                   Diagnostics& diag) {
  if (!content.is_object() || content.empty()) {
    diag.error(path, "must be an object of text fields (title, text, cta, href, image, alt)");
    return;
  }
  unsigned used = 0;
  for (const auto& item : content.items()) {
    std::string field_path = join_path(path, item.key());
    const std::string& key = item.key();
    if (key == "html") {
      diag.error(field_path, "config content is text only; put markup in a page <template> and name it with \"template\"");
      continue;
    }
    if (!is_one_of(key, "title text cta href image alt")) {
      diag.error(field_path, "unknown content field (expected title, text, cta, href, image, alt)");
      continue;
    }
    if (!item.value().is_string()) {
      diag.error(field_path, "must be a string");
      continue;
    }
    const std::string& text = item.value().get_ref<const std::string&>();
    bool is_url = key == "href" || key == "image";
    check_owner_words(text, field_path, !is_url, &used, taxonomy, diag);
    if (is_url && !page_uses_address(text)) {
      diag.error(field_path, "must be a web address (http, https or a relative path)");
    }
  }
  v.content = content;
  v.needs_interest = used & kInterest;
  v.needs_like = used & kLike;
}

void parse_variant(const json& node, const std::string& path, const json& saved_groups, const Taxonomy& taxonomy,
                   Variant& v, Diagnostics& diag) {
  check_keys(node, path, "id condition weight content template caps reason",
             "unknown variant key (expected id, condition, weight, content, template, caps, reason)", diag);
  const json* id = node.find_ptr("id");
  if (!id || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    diag.error_at(path, "id", "must be a non-empty string");
  } else if (*id == "default") {
    diag.error_at(path, "id", "'default' is reserved: it names the slot's own content in reports");
  } else {
    v.id = id->get_ref<const std::string&>();
  }
  if (const json* cond = node.find_ptr("condition")) {
    std::string cond_path = join_path(path, "condition");
    size_t errors_before = diag.errors.size();
    v.condition_source = *cond;
    v.condition = compile_condition(*cond, saved_groups, cond_path, diag);
    if (diag.errors.size() == errors_before) {
      for (const auto& attr : v.condition.attribute_paths()) {
        std::string problem = check_attribute_path(attr, taxonomy);
        if (!problem.empty()) diag.error(cond_path, problem);
        // Purchase categories need not be in the taxonomy, so its lookalike check never saw them.
        if (problem.empty() && attr.rfind("purchases.", 0) == 0) {
          std::string category = split_path(attr)[1];
          std::string looks = sensitive_lookalike(category);
          if (!looks.empty()) {
            diag.warn(cond_path, "reads '" + attr + "': '" + category + "' looks like " + looks +
                                     " data; rules must not target it");
          }
        }
        if (attr.rfind("interests.", 0) == 0) v.interests.push_back(attr.substr(10));
        if (attr == "likes") v.reads_likes = true;
      }
      check_condition_values(*cond, cond_path, taxonomy, v.named_values, diag);
    }
  }
  if (const json* w = node.find_ptr("weight")) {
    if (!w->is_number() || w->get<double>() < 0 || !std::isfinite(w->get<double>())) {
      diag.error_at(path, "weight", "must be a number >= 0");
    } else {
      v.weight = w->get<double>();
    }
  }
  if (const json* c = node.find_ptr("content")) parse_content(*c, join_path(path, "content"), taxonomy, v, diag);
  if (const json* t = node.find_ptr("template")) {
    if (!t->is_string() || t->get_ref<const std::string&>().empty()) {
      diag.error_at(path, "template", "must be the id of a <template> element in the page");
    } else if (!v.content.is_null()) {
      diag.error_at(path, "template", "a variant has either content or a template, not both");
    } else {
      v.template_id = t->get_ref<const std::string&>();
    }
  }
  if (const json* caps = node.find_ptr("caps")) {
    std::string caps_path = join_path(path, "caps");
    if (!caps->is_object()) {
      diag.error(caps_path, "must be an object {perDay?, perWeek?}");
    } else {
      check_keys(*caps, caps_path, "perDay perWeek", "unknown cap (expected perDay, perWeek)", diag);
      read_int(*caps, "perDay", caps_path, 1, 1000, v.caps.per_day, diag);
      read_int(*caps, "perWeek", caps_path, 1, 7000, v.caps.per_week, diag);
    }
  }
  unsigned reason_uses = 0;
  if (const json* r = node.find_ptr("reason")) {
    std::string reason_path = join_path(path, "reason");
    if (!r->is_object() || r->empty()) {
      diag.error(reason_path, "must be an object of sentences per language ({\"en\": ..., \"es\": ...})");
    } else {
      unsigned used = 0;
      for (const auto& item : r->items()) {
        if (!item.value().is_string()) {
          diag.error(join_path(reason_path, item.key()), "must be a string");
          continue;
        }
        check_owner_words(item.value().get_ref<const std::string&>(), join_path(reason_path, item.key()), true, &used,
                          taxonomy, diag);
      }
      check_languages(*r, reason_path, diag);
      v.reason = *r;
      // Checked below as the content's are; but only the content's decide
      // whether the variant can show (explain gives way when its reason names nothing).
      reason_uses = used;
    }
  }
  if ((v.needs_interest || v.needs_like) && needs_decisive_fill(v.condition_source)) v.fill_from_decisive = true;
  if ((v.needs_interest || (reason_uses & kInterest)) && v.interests.empty()) {
    diag.error(path, "uses {{interest}} but its condition reads no interest (interests.<id>) to name");
  }
  if ((v.needs_like || (reason_uses & kLike)) && !v.reads_likes) {
    diag.error(path, "uses {{like}} but its condition does not read likes");
  }
}

void parse_slot(const json& node, const std::string& path, const json& saved_groups, const Taxonomy& taxonomy,
                Slot& slot, Diagnostics& diag) {
  check_keys(node, path, "id label variants experiment", "unknown slot key (expected id, label, variants, experiment)",
             diag);
  const json* id = node.find_ptr("id");
  if (!id || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    diag.error_at(path, "id", "must be a non-empty string (the page's data-tactful-slot value)");
  } else {
    slot.id = id->get_ref<const std::string&>();
  }
  // What the privacy panel calls the slot (its "not now" list): owner-written
  // words shown to visitors, so checked as a reason is, but nothing fills them.
  if (const json* label = node.find_ptr("label")) {
    std::string label_path = join_path(path, "label");
    check_visitor_text(*label, label_path, diag);
    auto check = [&](const json& text, const std::string& text_path) {
      if (text.is_string()) check_owner_words(text.get_ref<const std::string&>(), text_path, false, nullptr, taxonomy, diag);
    };
    if (label->is_object()) {
      for (const auto& item : label->items()) check(item.value(), join_path(label_path, item.key()));
    } else {
      check(*label, label_path);
    }
  }
  const json* variants = node.find_ptr("variants");
  std::string variants_path = join_path(path, "variants");
  if (!variants || !variants->is_array() || variants->empty()) {
    diag.error(variants_path, "must be a non-empty array of variants");
  } else {
    for (size_t i = 0; i < variants->size(); ++i) {
      std::string vpath = join_path(variants_path, i);
      if (!(*variants)[i].is_object()) {
        diag.error(vpath, "must be an object {id, condition?, content? | template?, weight?, caps?, reason?}");
        continue;
      }
      Variant v;
      parse_variant((*variants)[i], vpath, saved_groups, taxonomy, v, diag);
      for (const auto& other : slot.variants) {
        if (!v.id.empty() && other.id == v.id) diag.error(join_path(vpath, "id"), "duplicate variant id '" + v.id + "'");
      }
      slot.variants.push_back(std::move(v));
    }
  }
  const json* e = node.find_ptr("experiment");
  if (!e && variants && variants->is_array()) {
    // Without an experiment the first qualifying variant shows: a weight would split nothing.
    for (size_t i = 0; i < variants->size(); ++i) {
      if ((*variants)[i].is_object() && (*variants)[i].contains("weight")) {
        diag.warn(join_path(join_path(variants_path, i), "weight"),
                  "weights are used only in an experiment, and this slot has none: the first qualifying variant shows");
      }
    }
  }
  if (e) {
    std::string epath = join_path(path, "experiment");
    if (!e->is_object()) {
      diag.error(epath, "must be an object {key, hashVersion?}");
      return;
    }
    check_keys(*e, epath, "key hashVersion", "unknown experiment key (expected key, hashVersion)", diag);
    const json* key = e->find_ptr("key");
    if (!key || !key->is_string() || key->get_ref<const std::string&>().empty()) {
      diag.error_at(epath, "key", "must be a non-empty string (the experiment's hash seed)");
    } else {
      slot.experiment.key = key->get_ref<const std::string&>();
      slot.has_experiment = true;
    }
    read_int(*e, "hashVersion", epath, 1, 2, slot.experiment.hash_version, diag);
    // GrowthBook takes weights that do not add up to 1 as a mistake and splits
    // equally; Tactful scales them. Say so: the same experiment carried over
    // would bucket differently.
    double total = 0;
    bool weighted = false;
    for (const auto& v : slot.variants) total += v.weight;
    if (const json* vs = node.find_ptr("variants"); vs && vs->is_array()) {
      for (size_t i = 0; i < vs->size(); ++i) weighted = weighted || ((*vs)[i].is_object() && (*vs)[i].contains("weight"));
    }
    if (slot.has_experiment && weighted && total == 0) {
      diag.error(variants_path, "weights add up to 0: no variant has a share of the experiment (give one a weight above 0)");
    } else if (slot.has_experiment && weighted && std::fabs(total - 1) > 0.001) {
      char sum[kNumberTextSize];
      std::string total_text(sum, format_number(total, sum));
      diag.warn(join_path(path, "variants"), "weights add up to " + total_text +
                                                 ", not 1: Tactful scales them; GrowthBook would split equally");
    }
  }
}

}  // namespace

int placeholders_used(const std::string& text) {
  int uses = 0;
  for (size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
    size_t end = text.find("}}", at + 2);
    if (end == std::string::npos) break;
    std::string name = trim(text.substr(at + 2, end - at - 2));
    if (name == "interest") uses |= kUsesInterest;
    if (name == "like") uses |= kUsesLike;
  }
  return uses;
}

const std::vector<std::string>& allowed_placeholders() {
  static const std::vector<std::string> names = {"interest", "like"};
  return names;
}

Status check_template(const std::string& html, const std::string& path, const Taxonomy* taxonomy) {
  if (auto named = check_no_sensitive_name(html, path, taxonomy); !named.ok()) return named;
  unsigned used = 0;
  bool editable = false;  // a region the visitor can edit, anywhere in the template
  size_t text_start = 0;
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      ++i;
      continue;
    }
    auto status = check_placeholders(html.substr(text_start, i - text_start), path, true, &used);
    if (!status.ok()) return status;
    size_t close = html.find('>', i);
    if (close == std::string::npos) close = html.size();
    std::string tag = html.substr(i, close - i);
    status = check_placeholders(tag, path, false, &used);
    if (!status.ok()) return status;
    editable = editable || makes_editable(tag);
    i = close + 1;
    text_start = i;
    for (const char* element : kNoFillElements) {
      std::string name(element);
      if (!starts_with_ci(tag, 1, name)) continue;
      if (tag.size() > name.size() + 1 && std::isalnum(static_cast<unsigned char>(tag[name.size() + 1]))) continue;
      std::string closing = "</" + name;
      size_t end = i;
      while (end < html.size() && !starts_with_ci(html, end, closing)) ++end;
      status = check_placeholders(html.substr(i, end - i), path, false, &used);
      if (!status.ok()) return status;
      i = text_start = end;
      break;
    }
  }
  if (text_start > html.size()) text_start = html.size();
  if (auto status = check_placeholders(html.substr(text_start), path, true, &used); !status.ok()) return status;
  if (editable && used) {
    // Where the editable region ends is not worth judging: a template with
    // one holds no profile value at all.
    return make_error(path, "placeholders are not allowed in a template with an editable region (contenteditable): "
                            "profile values never fill what the visitor can edit, as with form fields");
  }
  return ok_status();
}

std::string template_fill_problem(const DecideRules& rules, const std::string& template_id, int uses) {
  for (size_t s = 0; s < rules.slots.size(); ++s) {
    for (size_t k = 0; k < rules.slots[s].variants.size(); ++k) {
      const Variant& v = rules.slots[s].variants[k];
      if (v.template_id != template_id) continue;
      std::string variant = join_path(join_path(join_path("slots", s), "variants"), k);
      if ((uses & kUsesInterest) && v.interests.empty()) {
        return "uses {{interest}}, but the condition of " + variant + " reads no interest (interests.<id>) to name";
      }
      if ((uses & kUsesLike) && !v.reads_likes) {
        return "uses {{like}}, but the condition of " + variant + " does not read likes";
      }
    }
  }
  return "";
}

bool names_template(const DecideRules& rules, const std::string& template_id) {
  for (const Slot& slot : rules.slots) {
    for (const Variant& v : slot.variants) {
      if (v.template_id == template_id) return true;
    }
  }
  return false;
}

const Slot* DecideRules::find(const std::string& id) const {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &slots[it->second];
}

DecideRules parse_decide_rules(const json& root, const Taxonomy& taxonomy, Diagnostics& diag) {
  DecideRules rules;
  for (const auto& interest : taxonomy.interests) {
    rules.interest_ids.push_back(interest.id);
    if (!interest.sensitive.empty()) continue;
    rules.labels[interest.id] = interest.label;
    rules.interest_position[interest.id] = static_cast<int>(rules.interest_ids.size() - 1);
  }
  if (const json* groups = root.find_ptr("savedGroups")) {
    if (!groups->is_object()) {
      diag.error("savedGroups", "must be an object of group id -> array of values");
    } else {
      for (const auto& item : groups->items()) {
        std::string group_path = join_path("savedGroups", item.key());
        if (!item.value().is_array()) {
          diag.error(group_path, "must be an array of values");
          continue;
        }
        // A group's values are a rule's compared values ($inGroup): the same guardrails.
        std::vector<std::string> unused;
        check_condition_values(item.value(), group_path, taxonomy, unused, diag);
      }
      rules.saved_groups = *groups;
    }
  }
  if (const json* page = root.find_ptr("page")) {
    if (!page->is_object()) {
      diag.error("page", "must be an object {maxPersonalizedSlots?}");
    } else {
      check_keys(*page, "page", "maxPersonalizedSlots", "unknown key (expected maxPersonalizedSlots)", diag);
      read_int(*page, "maxPersonalizedSlots", "page", 0, 1000, rules.max_personalized_slots, diag);
    }
  }
  if (const json* h = root.find_ptr("holdout")) {
    if (!h->is_number() || h->get<double>() < 0 || h->get<double>() > 1) {
      diag.error("holdout", "must be a number from 0 to 1 (the share of visitors who always see defaults)");
    } else {
      rules.holdout = h->get<double>();
    }
  }
  read_int(root, "deadlineMs", "", 0, 10000, rules.deadline_ms, diag);
  read_int(root, "notNowDays", "", 1, 365, rules.not_now_days, diag);

  const json* slots = root.find_ptr("slots");
  if (!slots) return rules;
  if (!slots->is_array()) {
    diag.error("slots", "must be an array of slots {id, variants}");
    return rules;
  }
  size_t regex_steps = 0;
  for (size_t i = 0; i < slots->size(); ++i) {
    std::string path = join_path("slots", i);
    if (!(*slots)[i].is_object()) {
      diag.error(path, "must be an object {id, variants, experiment?}");
      continue;
    }
    Slot slot;
    parse_slot((*slots)[i], path, rules.saved_groups, taxonomy, slot, diag);
    size_t steps_before = regex_steps;
    for (const auto& v : slot.variants) regex_steps += v.condition.regex_steps();
    if (regex_steps > kMaxRegexSteps && steps_before <= kMaxRegexSteps) {
      diag.error(path, "the config's regexes add up to more than 10000 steps by this slot");
    }
    if (slot.id.empty()) continue;
    if (rules.index.count(slot.id)) {
      diag.error(join_path(path, "id"), "duplicate slot id '" + slot.id + "'");
      continue;
    }
    rules.index[slot.id] = rules.slots.size();
    rules.slots.push_back(std::move(slot));
  }
  // Conditions written alike (key order aside) are one audience: compiled
  // from the same source against the same saved groups, they always agree.
  std::map<std::string, int> distinct;
  for (uint32_t s = 0; s < rules.slots.size(); ++s) {
    auto& variants = rules.slots[s].variants;
    for (uint32_t k = 0; k < variants.size(); ++k) {
      Variant& v = variants[k];
      if (v.condition.empty()) continue;
      auto [it, added] = distinct.emplace(v.condition_source.dump(), static_cast<int>(rules.conditions.size()));
      if (added) rules.conditions.push_back({s, k});
      v.condition_index = it->second;
    }
  }
  return rules;
}

// ---- state ---------------------------------------------------------------------

// Written directly; the maps iterate in byte order, as json::dump() orders keys.
std::string DecideState::to_json() const {
  JsonWriter w;
  w.begin_object().key("bucket").string(bucket_id).key("impressions").begin_object();
  for (const auto& [slot, variants] : impressions) {
    bool opened = false;  // a slot whose variants have no days is left out
    for (const auto& [variant, days] : variants) {
      if (days.empty()) continue;
      if (!opened) w.key(slot).begin_object(), opened = true;
      w.key(variant).begin_array();
      for (const auto& d : days) w.begin_array().integer(d.day).integer(d.count).end_array();
      w.end_array();
    }
    if (opened) w.end_object();
  }
  w.end_object().key("notNow").begin_object();
  for (const auto& [slot, at] : not_now_at) w.key(slot).integer(at);
  return w.end_object().end_object().take();
}

std::string DecideState::to_export(const DecideRules& rules) const {
  JsonWriter w;
  w.begin_object().key("bucketId").string(bucket_id).key("notNow").begin_array();
  for (const auto& [slot, at] : not_now_at) {
    w.begin_object().key("at").string(iso_time(at));
    w.key("expires").string(iso_time(at + int64_t(rules.not_now_days) * kDayMs));
    w.key("id").string(std::string(kNotNowId) + slot).key("slot").string(slot).end_object();
  }
  w.end_array().key("shown").begin_array();
  for (const auto& [slot, variants] : impressions) {
    for (const auto& [variant, days] : variants) {
      for (const auto& d : days) {
        w.begin_object().key("count").integer(d.count).key("day").string(iso_time(d.day * kDayMs).substr(0, 10));
        w.key("slot").string(slot).key("variant").string(variant).end_object();
      }
    }
  }
  return w.end_array().end_object().take();
}

DecideState DecideState::from_json(const json& j) {
  DecideState state;
  if (!j.is_object()) return state;
  if (const json* b = j.find_ptr("bucket"); b && b->is_string()) state.bucket_id = b->get_ref<const std::string&>();
  if (const json* imp = j.find_ptr("impressions"); imp && imp->is_object()) {
    for (const auto& slot : imp->items()) {
      if (!slot.value().is_object()) continue;
      for (const auto& variant : slot.value().items()) {
        if (!variant.value().is_array()) continue;
        std::vector<DayCount> days;
        for (const auto& d : variant.value()) {
          if (d.is_array() && d.size() == 2 && d[0].is_number_integer() && d[1].is_number_integer() &&
              d[1].get<int64_t>() > 0) {
            days.push_back({d[0].get<int64_t>(), static_cast<int>(std::min<int64_t>(d[1].get<int64_t>(), 1 << 20))});
          }
        }
        if (!days.empty()) state.impressions[slot.key()][variant.key()] = std::move(days);
      }
    }
  }
  if (const json* nn = j.find_ptr("notNow"); nn && nn->is_object()) {
    for (const auto& item : nn->items()) {
      if (item.value().is_number_integer()) state.not_now_at[item.key()] = item.value().get<int64_t>();
    }
  }
  return state;
}

void not_now(DecideState& state, const std::string& slot_id, int64_t now_ms) { state.not_now_at[slot_id] = now_ms; }

bool remove_not_now(DecideState& state, const std::string& item_id) {
  if (item_id.compare(0, kNotNowId.size(), kNotNowId) != 0) return false;
  return state.not_now_at.erase(item_id.substr(kNotNowId.size())) > 0;
}

namespace {

// Counts older than the caps' seven days go; counts dated after today (the
// clock ran ahead and was put right) become today's, so they neither outlive
// the week nor leave today uncounted. True when anything changed.
bool settle_days(std::vector<DayCount>& days, int64_t today) {
  bool changed = false;
  std::vector<DayCount> kept;
  int ahead = 0;
  for (const auto& d : days) {
    if (d.day <= today - kWeekDays) changed = true;
    else if (d.day > today) ahead += d.count, changed = true;
    else kept.push_back(d);
  }
  if (ahead) {
    auto it = std::find_if(kept.begin(), kept.end(), [&](const DayCount& d) { return d.day == today; });
    if (it != kept.end()) it->count += ahead;
    else kept.push_back({today, ahead});
  }
  if (changed) days = std::move(kept);
  return changed;
}

}  // namespace

bool prune_decide_state(DecideState& state, const DecideRules& rules,
                        const std::function<bool(const std::string& path)>& erased, int64_t now_ms) {
  bool dropped = false;
  int64_t today = day_of(now_ms);
  for (auto slot = state.impressions.begin(); slot != state.impressions.end();) {
    auto at = rules.index.find(slot->first);
    for (auto entry = slot->second.begin(); entry != slot->second.end();) {
      const Variant* variant = nullptr;
      if (at != rules.index.end()) {
        for (const auto& v : rules.slots[at->second].variants)
          if (v.id == entry->first) variant = &v;
      }
      bool gone = !variant;
      if (variant) {
        for (const auto& path : variant->condition.attribute_paths()) gone = gone || erased(path);
      }
      auto& days = entry->second;
      dropped = settle_days(days, today) || gone || dropped;
      entry = gone || days.empty() ? slot->second.erase(entry) : std::next(entry);
    }
    slot = slot->second.empty() ? state.impressions.erase(slot) : std::next(slot);
  }
  for (auto it = state.not_now_at.begin(); it != state.not_now_at.end();) {
    // Said "later" than now: the clock was ahead and has been put right. It
    // counts from now, so it never lasts longer than notNowDays.
    if (it->second > now_ms) it->second = now_ms, dropped = true;
    bool past = now_ms - it->second >= int64_t(rules.not_now_days) * kDayMs;
    dropped = dropped || past;
    it = past ? state.not_now_at.erase(it) : std::next(it);
  }
  return dropped;
}

// ---- deciding ------------------------------------------------------------------

namespace {

// A count dated after today was made while the clock ran ahead (the visitor
// has since put it right): the showings happened, so they count as today's,
// not as a fresh allowance.
bool caps_allow(const Caps& caps, const std::vector<DayCount>* days, int64_t today) {
  if (days == nullptr || (caps.per_day == 0 && caps.per_week == 0)) return true;
  int day = 0, week = 0;
  for (const auto& d : *days) {
    if (d.day >= today) day += d.count;
    if (d.day > today - kWeekDays) week += d.count;
  }
  return (caps.per_day == 0 || day < caps.per_day) && (caps.per_week == 0 || week < caps.per_week);
}

void record_impression(std::vector<DayCount>& days, int64_t today) {
  settle_days(days, today);
  for (auto& d : days) {
    if (d.day == today) {
      ++d.count;
      return;
    }
  }
  days.push_back({today, 1});
}

// The taxonomy position of the interest {{interest}} names for this variant
// and visitor: the first interest the rule reads that the visitor has. For a
// rule with alternatives or negations, the first one among the tests that
// decided: a branch of an $or that did not hold, or an interest the rule held
// on by the visitor's lack of it, is not what the slot is about.
int fill_interest(const Variant& v, const DecideRules& rules, const json& attributes) {
  if (v.interests.empty()) return -1;
  const json* interests = attributes.find_ptr("interests");
  if (!interests || !interests->is_object()) return -1;
  for (const auto& id : v.interests) {
    auto pos = rules.interest_position.find(id);
    if (pos != rules.interest_position.end() && interests->find(id) != interests->end()) return pos->second;
  }
  return -1;
}

// The taxonomy position of the like {{like}} names: a like the rule names
// first, else any of the visitor's likes.
int fill_like(const Variant& v, const DecideRules& rules, const json& attributes) {
  if (!v.reads_likes) return -1;
  const json* likes = attributes.find_ptr("likes");
  if (!likes || !likes->is_array()) return -1;
  int chosen = -1;
  for (const auto& like : *likes) {
    if (!like.is_string()) continue;
    const std::string& s = like.get_ref<const std::string&>();
    auto pos = rules.interest_position.find(s);
    if (pos == rules.interest_position.end()) continue;
    if (std::find(v.named_values.begin(), v.named_values.end(), s) != v.named_values.end()) return pos->second;
    if (chosen < 0) chosen = pos->second;
  }
  return chosen;
}

// What the placeholders the content uses (`uses`) name for this variant and
// visitor. The tests that decided are worked out once for both.
Fill fill(const Variant& v, const DecideRules& rules, const json& attributes, int uses) {
  const bool interest = (uses & kUsesInterest) && !v.interests.empty();
  const bool like = (uses & kUsesLike) && v.reads_likes;
  Fill f;
  if (v.fill_from_decisive && (interest || like)) {
    Fill decisive = decisive_fill(v, rules, attributes);
    if (interest) f.interest = decisive.interest;
    if (like) f.like = decisive.like;
    return f;
  }
  if (interest) f.interest = fill_interest(v, rules, attributes);
  if (like) f.like = fill_like(v, rules, attributes);
  return f;
}

}  // namespace

const char* reason_name(DecisionReason reason) {
  static const char* const names[] = {"unknown-slot", "consent", "holdout", "not-now", "budget",
                                      "no-match",     "capped",  "matched", "experiment"};
  return names[static_cast<int>(reason)];
}

__attribute__((flatten)) std::vector<SlotDecision> decide_slots(const DecideRules& rules, DecideState& state, const json& attributes,
                                       const std::vector<int>& slots_on_page, const TemplateFilter& has_template,
                                       bool personalize, int64_t now_ms, int budget) {
  const int64_t today = day_of(now_ms);
  if (budget < 0) budget = rules.max_personalized_slots;
  bool holdout = false;
  if (personalize && rules.holdout > 0 && !state.bucket_id.empty()) {
    auto n = growthbook_hash("tactful-holdout", state.bucket_id, 2);
    holdout = n && *n < rules.holdout;
  }

  // Slots on the page, each once, decided in config order (the priority for the budget).
  // The loops below index raw arrays: at -Oz the wasm build does not inline
  // vector accessors, and this is the page's hot path.
  const size_t n = slots_on_page.size(), known = rules.slots.size();
  const int* on_page = slots_on_page.data();
  std::vector<SlotDecision> out(n);
  std::vector<std::pair<int, size_t>> order(n);  // (config position, output position)
  size_t ordered = 0;
  for (size_t i = 0; i < n; ++i) {
    int position = on_page[i];
    out[i].slot = position;
    if (position >= 0 && static_cast<size_t>(position) < known) order[ordered++] = {position, i};
  }
  order.resize(ordered);
  if (!std::is_sorted(order.begin(), order.end())) small_sort(order);

  int personalized = 0;
  struct Candidate {
    int variant, interest, like;
  };
  std::vector<Candidate> qualifying;
  const AttributeSnapshot page(attributes);  // each attribute path resolved once per page
  const Slot* all_slots = rules.slots.data();
  // Each distinct condition is evaluated at most once per page: -1 not yet, else its result.
  std::vector<int8_t> verdicts(rules.conditions.size(), -1);
  int8_t* verdict_of = verdicts.data();
  auto holds = [&](const Variant& v) {
    if (v.condition_index < 0) return v.condition.matches(page);
    int8_t& verdict = verdict_of[v.condition_index];
    if (verdict < 0) {
      const auto& [at_slot, at_variant] = rules.conditions[static_cast<size_t>(v.condition_index)];
      verdict = all_slots[at_slot].variants[at_variant].condition.matches(page);
    }
    return verdict == 1;
  };
  int previous = -1;
  SlotDecision* decided = out.data();
  for (const auto& [position, out_index] : order) {
    SlotDecision& decision = decided[out_index];
    if (position == previous) continue;  // the same slot twice on a page: decided once
    previous = position;
    const Slot& slot = all_slots[position];
    if (!personalize) {
      decision.reason = DecisionReason::consent;
      continue;
    }
    if (holdout) {
      decision.reason = DecisionReason::holdout;
      continue;
    }
    if (!state.not_now_at.empty()) {
      auto nn = state.not_now_at.find(slot.id);
      if (nn != state.not_now_at.end() && now_ms - nn->second < rules.not_now_days * kDayMs) {
        decision.reason = DecisionReason::not_now;
        continue;
      }
    }
    if (personalized >= budget) {
      decision.reason = DecisionReason::budget;
      continue;
    }
    const std::map<std::string, std::vector<DayCount>>* slot_impressions = nullptr;
    if (!state.impressions.empty()) {
      auto it = state.impressions.find(slot.id);
      if (it != state.impressions.end()) slot_impressions = &it->second;
    }
    bool capped = false;
    qualifying.clear();
    const Variant* variants = slot.variants.data();
    for (size_t k = 0, count = slot.variants.size(); k < count; ++k) {
      const Variant& v = variants[k];
      int uses = (v.needs_interest ? kUsesInterest : 0) | (v.needs_like ? kUsesLike : 0);
      if (!v.template_id.empty()) {
        int in_template = has_template(v.template_id);
        if (in_template < 0) continue;
        uses |= in_template;
      }
      if (!holds(v)) continue;
      if (v.caps.per_day || v.caps.per_week) {
        const std::vector<DayCount>* days = nullptr;
        if (slot_impressions) {
          auto d = slot_impressions->find(v.id);
          if (d != slot_impressions->end()) days = &d->second;
        }
        if (!caps_allow(v.caps, days, today)) {
          capped = true;
          continue;
        }
      }
      // Placeholders are filled only where the content uses them, and a
      // variant whose placeholder has nothing to say does not qualify.
      const Fill f = fill(v, rules, attributes, uses);
      Candidate c{static_cast<int>(k), f.interest, f.like};
      if (((uses & kUsesInterest) && c.interest < 0) || ((uses & kUsesLike) && c.like < 0)) continue;
      qualifying.push_back(c);
      if (!slot.has_experiment) break;  // by order: the first that qualifies
    }
    if (qualifying.empty()) {
      decision.reason = capped ? DecisionReason::capped : DecisionReason::no_match;
      continue;
    }
    size_t pick = 0;
    if (slot.has_experiment && !state.bucket_id.empty() && qualifying.size() > 1) {
      // GrowthBook's bucketing: the hash falls in one variant's share of [0, 1).
      auto n = growthbook_hash(slot.experiment.key, state.bucket_id, slot.experiment.hash_version);
      double total = 0;
      for (const auto& q : qualifying) total += slot.variants[q.variant].weight;
      if (n && total > 0) {
        // Weights that add up to 1 (within GrowthBook's 0.99..1.01) are summed
        // as GrowthBook sums them, unscaled: 0.6 + 0.3 is 0.8999999999999999,
        // and dividing by a total of 0.9999999999999999 would move a hash of
        // exactly 0.9 to another variant than GrowthBook gives it.
        if (total >= 0.99 && total <= 1.01) total = 1;
        double cumulative = 0;
        pick = qualifying.size();
        for (size_t k = 0; k < qualifying.size() && pick == qualifying.size(); ++k) {
          cumulative += slot.variants[qualifying[k].variant].weight / total;
          if (*n < cumulative) pick = k;
        }
        // Past every share (weights adding up to a little under 1, or a last
        // weight of 0): GrowthBook leaves the visitor out of the experiment,
        // which shows its first variation.
        if (pick == qualifying.size()) pick = 0;
      }
    }
    const Variant& chosen = slot.variants[qualifying[pick].variant];
    decision.reason = slot.has_experiment ? DecisionReason::experiment : DecisionReason::matched;
    decision.fill_interest = qualifying[pick].interest;
    decision.fill_like = qualifying[pick].like;
    decision.variant = qualifying[pick].variant;  // a control arm too: it shows the default
    if (chosen.personalizes()) ++personalized;
  }
  for (auto& d : out) {
    if (holdout && d.slot >= 0) d.reason = DecisionReason::holdout;
  }
  return out;
}

int personalized_count(const DecideRules& rules, const std::vector<SlotDecision>& decisions) {
  int count = 0;
  for (const SlotDecision& d : decisions) {
    count += d.slot >= 0 && d.variant >= 0 && rules.slots[d.slot].variants[d.variant].personalizes();
  }
  return count;
}

// Written directly, keys in byte order, as json::dump() ordered them.
void write_decisions(JsonWriter& w, const DecideRules& rules, const std::vector<SlotDecision>& decisions,
                     const std::vector<std::string>& slot_ids, const std::string& lang) {
  bool holdout = false;
  for (const SlotDecision& d : decisions) holdout = holdout || d.reason == DecisionReason::holdout;
  w.key("holdout").boolean(holdout).key("slots").begin_array();
  auto label = [&](int position) { return label_text(rules.labels.at(rules.interest_ids[position]), lang); };
  for (size_t i = 0; i < decisions.size(); ++i) {
    const SlotDecision& d = decisions[i];
    const Variant* v = d.slot >= 0 && d.variant >= 0 ? &rules.slots[d.slot].variants[d.variant] : nullptr;
    w.begin_object();
    if (v && !v->content.is_null()) w.key("content").value(v->content);
    if (v && (d.fill_interest >= 0 || d.fill_like >= 0)) {
      w.key("fill").begin_object();
      if (d.fill_interest >= 0) w.key("interest").string(label(d.fill_interest));
      if (d.fill_like >= 0) w.key("like").string(label(d.fill_like));
      w.end_object();
    }
    w.key("id");
    if (i < slot_ids.size()) w.string(slot_ids[i]);
    else w.string(d.slot >= 0 ? rules.slots[d.slot].id : std::string());
    w.key("reason").string(reason_name(d.reason));
    if (v && !v->template_id.empty()) w.key("template").string(v->template_id);
    w.key("variant");
    if (v) w.string(v->id);
    else w.null();
    w.end_object();
  }
  w.end_array();
}

std::string decisions_to_json(const DecideRules& rules, const std::vector<SlotDecision>& decisions,
                              const std::vector<std::string>& slot_ids, const std::string& lang) {
  JsonWriter w;
  w.begin_object();
  write_decisions(w, rules, decisions, slot_ids, lang);
  return w.end_object().take();
}

std::vector<int> page_slot_positions(const DecideRules& rules, std::vector<std::string>& ids) {
  std::vector<std::string> unique;
  std::vector<int> positions;
  for (auto& id : ids) {
    if (std::find(unique.begin(), unique.end(), id) != unique.end()) continue;
    auto it = rules.index.find(id);
    positions.push_back(it == rules.index.end() ? -1 : static_cast<int>(it->second));
    unique.push_back(std::move(id));
  }
  ids = std::move(unique);
  return positions;
}

bool record_shown(const DecideRules& rules, DecideState& state, const SlotDecision& decision, int64_t now_ms) {
  if (decision.slot < 0 || decision.variant < 0) return false;
  const Slot& slot = rules.slots[decision.slot];
  const Variant& v = slot.variants[decision.variant];
  if (!v.caps.per_day && !v.caps.per_week) return false;
  record_impression(state.impressions[slot.id][v.id], day_of(now_ms));
  return true;
}

json decide_page(const DecideRules& rules, DecideState& state, const json& attributes,
                 const std::vector<std::string>& slot_ids_on_page, const std::vector<std::string>& page_templates,
                 bool personalize, int64_t now_ms, const std::string& lang) {
  std::vector<std::string> ids = slot_ids_on_page;
  std::vector<int> positions = page_slot_positions(rules, ids);
  // Without the templates' text, assume they use no placeholder.
  auto has_template = [&](const std::string& id) {
    return std::find(page_templates.begin(), page_templates.end(), id) != page_templates.end() ? 0 : -1;
  };
  auto decisions = decide_slots(rules, state, attributes, positions, has_template, personalize, now_ms);
  for (const auto& d : decisions) record_shown(rules, state, d, now_ms);
  return json::parse(decisions_to_json(rules, decisions, ids, lang));
}

// ---- explaining ----------------------------------------------------------------

namespace {

struct Sentence {
  std::string en, es;
};

// "Trail running" reads "trail running" mid-sentence; "NBA" stays "NBA".
std::string mid_sentence(const json& text) {
  std::string label = text.get<std::string>();
  if (label.size() > 1 && std::isupper(static_cast<unsigned char>(label[0])) &&
      std::islower(static_cast<unsigned char>(label[1]))) {
    label[0] = ascii_lower(label[0]);
  }
  return label;
}

std::string fill_text(std::string text, const json& fill) {
  for (const auto& name : allowed_placeholders()) {
    std::string value = fill.value(name, "");
    for (size_t i = text.find("{{"); i != std::string::npos; i = text.find("{{", i)) {
      size_t end = text.find("}}", i);
      if (end == std::string::npos) break;
      if (trim(text.substr(i + 2, end - i - 2)) == name) {
        text.replace(i, end + 2 - i, value);
        i += value.size();
      } else {
        i = end + 2;
      }
    }
  }
  return text;
}

const Sentence kEveryone = {"This is what everyone sees.", "Esto es lo que ve todo el mundo."};

Sentence default_sentence(const std::string& reason) {
  if (reason == "consent") {
    return {"No personalization: it is off or paused in your privacy settings.", "Sin personalización: está desactivada o en pausa en tu configuración de privacidad."};
  }
  if (reason == "not-now") {
    return {"No personalization here for now: you said \"not now\".",
            "Aquí no hay personalización por ahora: dijiste «ahora no»."};
  }
  if (reason == "late") {
    return {"This is the page's own content: the personalized choice was not ready in time.",
            "Es el contenido propio de la página: la elección personalizada no llegó a tiempo."};
  }
  return kEveryone;
}

// One attribute test of a rule that held, and whether it held by the visitor
// NOT having or being something: a $ne, $nin, $notInGroup or $exists: false;
// a low score or count ($lt, $lte; a purchase's daysSinceLast excepted, where
// "less" means "recently"); a 0, false or empty list; or a $not or $nor
// around it. "Because you like yoga" must never stand for "you don't".
struct Leaf {
  std::string path;
  bool negated;
};

bool reads_less(const std::string& path, const json& test) {
  if (!test.is_object() || test.empty() || test.begin().key()[0] != '$') {
    return test == false || test == 0 || (test.is_array() && test.empty());
  }
  bool recent = path.size() > 13 && path.compare(path.size() - 13, 13, "daysSinceLast") == 0;
  for (const auto& m : test.items()) {
    const std::string& op = m.key();
    const json& arg = m.value();
    if (op == "$ne" || op == "$nin" || op == "$nini" || op == "$notInGroup" || op == "$not" ||
        ((op == "$lt" || op == "$lte") && !recent) || ((op == "$exists" || op == "$eq") && (arg == false || arg == 0)) ||
        (op == "$size" && arg == 0)) {
      return true;
    }
  }
  return false;
}

bool holds(const json& condition, const DecideRules& rules, const json& attributes) {
  Diagnostics ignored;  // the whole condition compiled when the config loaded: its parts do too
  return compile_condition(condition, rules.saved_groups, "", ignored).matches(attributes);
}

// The tests that made `condition` come out `want` for these attributes: every
// part of an $and, the first $or branch that held (not the others, which
// decided nothing), and through $not and $nor the tests that failed.
void decisive(const json& condition, bool want, const DecideRules& rules, const json& attributes,
              std::vector<Leaf>& out) {
  if (!condition.is_object()) return;
  for (const auto& m : condition.items()) {
    const std::string& key = m.key();
    const json& value = m.value();
    json part = json::object();
    part[key] = value;
    if (!want && holds(part, rules, attributes)) continue;  // false: the first part that fails says why
    if (key == "$not") {
      decisive(value, !want, rules, attributes, out);
    } else if (key == "$and" || key == "$or" || key == "$nor") {
      // $and needs all (and fails by one), $or needs one (and fails by all), $nor is a negated $or.
      bool branch_want = key == "$nor" ? !want : want;
      bool every = key == "$or" ? !want : want;
      for (const auto& branch : value) {
        if (!every && holds(branch, rules, attributes) != branch_want) continue;
        decisive(branch, branch_want, rules, attributes, out);
        if (!every) break;
      }
    } else {
      out.push_back(Leaf{key, reads_less(key, value) == want});
    }
    if (!want) return;
  }
}

// Generated sentences, English and Spanish, by what decided (rule_sentence).
enum Why : int8_t {
  kDisliked, kShopped, kBirthday, kCountry, kNoCountry, kNotLooked, kNotLiked, kShopCount, kNotBirthday,
  kVisited, kFirstVisits, kPage, kScreen, kPrivacy, kTrying, kOn
};
const char* const kWhy[][2] = {
    {"You're seeing this because of what you told us you don't like.", "Ves esto por lo que nos dijiste que no te gusta."},
    {"You're seeing this because you've shopped with us before.", "Ves esto porque ya has comprado con nosotros."},
    {"You're seeing this because it's your birthday month.", "Ves esto porque es el mes de tu cumpleaños."},
    {"You're seeing this because of your country.", "Ves esto por tu país."},
    {"You're seeing this because you haven't told us your country.", "Ves esto porque no nos has dicho tu país."},
    {"You're seeing this because of what you haven't been looking at here.", "Ves esto por lo que aún no has mirado aquí."},
    {"You're seeing this because of what you have or haven't told us you like.",
     "Ves esto por lo que nos has dicho, o no, que te gusta."},
    {"You're seeing this because of how often you've shopped with us.", "Ves esto por las veces que has comprado con nosotros."},
    {"You're seeing this because it isn't your birthday month.", "Ves esto porque no es el mes de tu cumpleaños."},
    {"You're seeing this because you've visited us before.", "Ves esto porque ya nos has visitado."},
    {"You're seeing this because this is one of your first visits.", "Ves esto porque es una de tus primeras visitas."},
    {"You're seeing this because of the page you're on.", "Ves esto por la página en la que estás."},
    {"You're seeing this because of your screen size.", "Ves esto por el tamaño de tu pantalla."},
    {"You're seeing this because of your privacy choices.", "Ves esto por tus opciones de privacidad."},
    {"You're seeing one of several versions we're trying out.", "Ves una de varias versiones que estamos probando."},
    {"You're seeing this because personalization is on.", "Ves esto porque tienes la personalización activada."},
};

// The visitor's likes (or dislikes) a test on `path` held by: those the rule
// names, else all of them (a $size or $exists names none).
std::vector<std::string> matched_declarations(const Variant& v, const DecideRules& rules, const json& attributes,
                                              const std::string& path) {
  std::vector<std::string> named, all;
  const json* declared = lookup(attributes, path);
  for (const auto& d : declared && declared->is_array() ? *declared : json::array()) {
    if (!d.is_string() || !rules.labels.count(d.get<std::string>())) continue;
    const std::string& id = d.get_ref<const std::string&>();
    all.push_back(id);
    if (std::find(v.named_values.begin(), v.named_values.end(), id) != v.named_values.end()) named.push_back(id);
  }
  return named.empty() ? all : named;
}

// The plainest true reason, from the tests that decided, most specific first:
// what the visitor has or did, then (when the rule held by their absence)
// what they have not.
// What {{interest}} and {{like}} name in an explanation: the first interest
// the visitor has that a test held by, and a like a likes test held by.
struct Named {
  std::string interest, like;
};

Named decisive_names(const std::vector<Leaf>& leaves, const Variant& v, const DecideRules& rules, const json& attributes) {
  Named named;
  for (const auto& l : leaves) {
    if (l.negated) continue;
    if (named.interest.empty() && l.path.rfind("interests.", 0) == 0 && lookup(attributes, l.path)) named.interest = l.path.substr(10);
    if (named.like.empty() && l.path == "likes") {
      auto liked = matched_declarations(v, rules, attributes, "likes");
      if (!liked.empty()) named.like = liked[0];
    }
  }
  return named;
}

// Whether what a placeholder names needs the tests that decided: the rule
// has alternatives or negations, or an interest test that holds on a low score.
bool needs_decisive_fill(const json& condition) {
  if (!condition.is_object()) return false;
  for (const auto& m : condition.items()) {
    const std::string& key = m.key();
    if (key == "$or" || key == "$nor" || key == "$not") return true;
    if (key == "$and") {
      for (const auto& branch : m.value()) {
        if (needs_decisive_fill(branch)) return true;
      }
    } else if ((key.rfind("interests.", 0) == 0 || key == "likes") && reads_less(key, m.value())) {
      return true;
    }
  }
  return false;
}

Fill decisive_fill(const Variant& v, const DecideRules& rules, const json& attributes) {
  std::vector<Leaf> leaves;
  decisive(v.condition_source, true, rules, attributes, leaves);
  Named named = decisive_names(leaves, v, rules, attributes);
  auto position = [&](const std::string& id) {
    auto pos = rules.interest_position.find(id);
    return id.empty() || pos == rules.interest_position.end() ? -1 : pos->second;
  };
  return {position(named.interest), position(named.like)};
}

Sentence rule_sentence(const std::vector<Leaf>& leaves, const Named& named, const Slot& slot, const DecideRules& rules,
                       const json& attributes) {
  auto label = [&](const std::string& id, const char* lang) {
    return mid_sentence(json(label_text(rules.labels.at(id), lang)));
  };
  // A declared like counts as a full interest: it was told, not looked at.
  bool told = false;
  const json* likes = lookup(attributes, "likes");
  for (const auto& l : likes && likes->is_array() ? *likes : json::array()) told = told || l == named.interest;
  const std::string& liked = told ? named.interest : named.like;
  if (!named.interest.empty() && !told) {
    return {"You're seeing this because you've been looking at " + label(named.interest, "en") + ".",
            "Ves esto porque has estado mirando " + label(named.interest, "es") + "."};
  }
  if (!liked.empty()) {
    return {"You're seeing this because you told us you like " + label(liked, "en") + ".",
            "Ves esto porque incluiste " + label(liked, "es") + " entre tus gustos."};
  }
  // The rest by the first kind of test that decided, in this order. A
  // country or a visit count is said as it is: "before" only from a second visit.
  static const struct {
    const char* prefix;
    int8_t negated;  // 0: held by having, 1: by not having, 2: either
    int8_t why;
  } order[] = {{"dislikes", 0, kDisliked},   {"purchases.", 0, kShopped},   {"occasions.", 0, kBirthday},
               {"location.", 2, kCountry},    {"interests.", 2, kNotLooked}, {"likes", 2, kNotLiked},
               {"dislikes", 1, kNotLiked},    {"purchases.", 1, kShopCount}, {"occasions.", 1, kNotBirthday},
               {"visits.", 2, kVisited},      {"page.", 2, kPage},           {"viewport", 2, kScreen},
               {"consent.", 2, kPrivacy}};
  int why = slot.has_experiment ? kTrying : kOn;  // read nothing: not "everyone", who sees the default without personalization
  for (const auto& o : order) {
    bool found = false;
    for (const auto& l : leaves) found = found || ((o.negated == 2 || l.negated == o.negated) && l.path.rfind(o.prefix, 0) == 0);
    if (!found) continue;
    why = o.why;
    const json* count = lookup(attributes, "visits.count");
    if (why == kCountry && !lookup(attributes, "location.country")) why = kNoCountry;
    if (why == kVisited && !(count && count->is_number() && count->get<double>() > 1)) why = kFirstVisits;
    break;
  }
  return {kWhy[why][0], kWhy[why][1]};
}

}  // namespace

json explain_slot(const DecideRules& rules, const json& last_decisions, const json& last_attributes,
                  const std::string& slot_id, const std::string& lang) {
  const json* decision = nullptr;
  if (const json* slots = last_decisions.find_ptr("slots"); slots && slots->is_array()) {
    for (const auto& d : *slots) {
      const json* id = d.find_ptr("id");
      if (id && id->is_string() && id->get_ref<const std::string&>() == slot_id) decision = &d;
    }
  }
  if (decision == nullptr) return json{{"error", "slot '" + slot_id + "' was not decided on this page"}};
  std::string reason = decision->value("reason", "");
  json out = {{"slot", slot_id}, {"variant", nullptr}, {"reason", reason}, {"used", json::array()}};
  Sentence sentence = default_sentence(reason);

  const Slot* slot = rules.find(slot_id);
  const json* variant_id = decision->find_ptr("variant");
  if (slot != nullptr && variant_id && variant_id->is_string()) {
    for (const auto& v : slot->variants) {
      if (v.id != variant_id->get_ref<const std::string&>()) continue;
      out["variant"] = v.id;
      out["rule"] = {{"variant", v.id},
                     {"condition", v.condition_source.is_null() ? json::object() : v.condition_source},
                     {"paths", v.condition.attribute_paths()}};
      // Only the tests that decided: an $or branch that did not hold decided nothing.
      std::vector<Leaf> leaves;
      decisive(v.condition_source, true, rules, last_attributes, leaves);
      std::vector<std::string> listed;
      for (const auto& leaf : leaves) {
        if (std::find(listed.begin(), listed.end(), leaf.path) != listed.end()) continue;
        listed.push_back(leaf.path);
        json entry = {{"path", leaf.path}};
        if (const json* value = lookup(last_attributes, leaf.path)) entry["value"] = *value;
        if (leaf.negated) entry["negated"] = true;
        else if (leaf.path == "likes" || leaf.path == "dislikes") entry["matched"] = matched_declarations(v, rules, last_attributes, leaf.path);
        else if (!entry.contains("value")) continue;  // held without reading anything stored
        out["used"].push_back(entry);
      }
      if (!v.personalizes()) break;  // a control shows the default
      Named named = decisive_names(leaves, v, rules, last_attributes);
      sentence = rule_sentence(leaves, named, *slot, rules, last_attributes);
      // The owner's own words, when given, and when their placeholders can
      // name what decided: an interest from an $or branch that did not hold,
      // or one the rule held on by its absence, is not a reason.
      auto owner = [&](const char* lang, std::string& out) {
        std::string text = v.reason.is_object() ? v.reason.value(lang, "") : "";
        int uses = placeholders_used(text);
        if (text.empty() || ((uses & kUsesInterest) && named.interest.empty()) || ((uses & kUsesLike) && named.like.empty())) return;
        json fill = json::object();
        if (!named.interest.empty()) fill["interest"] = label_text(rules.labels.at(named.interest), lang);
        if (!named.like.empty()) fill["like"] = label_text(rules.labels.at(named.like), lang);
        out = fill_text(text, fill);
      };
      owner("en", sentence.en);
      owner("es", sentence.es);
      break;
    }
  }
  out["sentences"] = {{"en", sentence.en}, {"es", sentence.es}};
  out["sentence"] = lang == "es" ? sentence.es : sentence.en;
  return out;
}

}  // namespace tactful
