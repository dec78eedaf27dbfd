#include "tactful/consent.hpp"

#include "tactful/config_read.hpp"
#include "tactful/json_writer.hpp"
#include "tactful/profile.hpp"

namespace tactful {

namespace {

const char* const kSources[] = {"default", "visitor", "site", "gpc", "dnt"};

bool* category_flag(Consent& c, Category cat) {
  switch (cat) {
    case Category::interests: return &c.interests;
    case Category::purchases: return &c.purchases;
    case Category::location: return &c.location;
    case Category::occasions: return &c.occasions;
  }
  return &c.interests;
}
bool category_on(const Consent& c, Category cat) { return *category_flag(const_cast<Consent&>(c), cat); }

// Reads an optional integer in [lo, hi] into `out`; errors name the path.
void read_int(const json& obj, const char* key, const std::string& base, int64_t lo, int64_t hi, int64_t& out,
              Diagnostics& diag) {
  const json* it = obj.find_ptr(key);
  if (!it) return;
  std::string path = join_path(base, key);
  std::optional<int64_t> n = whole_number(*it);
  if (!n || *n < lo || *n > hi) {
    diag.error(path, "must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
    return;
  }
  out = *n;
}

void read_bool(const json& obj, const char* key, const std::string& base, bool& out, Diagnostics& diag) {
  const json* it = obj.find_ptr(key);
  if (!it) return;
  if (!it->is_boolean()) {
    diag.error(join_path(base, key), "must be true or false");
    return;
  }
  out = it->get<bool>();
}

void trim_receipts(Consent& c) {
  size_t max = c.max_receipts ? c.max_receipts : 1;
  if (c.receipts.size() > max) c.receipts.erase(c.receipts.begin(), c.receipts.end() - long(max));
}

bool signal_blocks_aggregate(const Consent& c) { return (c.signals.gpc || c.signals.dnt) && !c.aggregate_by_visitor; }

}  // namespace

const char* category_name(Category c) {
  static const char* const names[] = {"interests", "purchases", "location", "occasions"};
  return names[int(c)];
}
const char* purpose_name(Purpose p) { return p == Purpose::personalization ? "personalization" : "aggregate"; }
const char* source_name(ConsentSource s) { return kSources[int(s)]; }

ConsentRules parse_consent_rules(const json& root, Diagnostics& diag) {
  ConsentRules rules;
  if (!root.is_object()) return rules;
  const json* pv = root.find_ptr("policyVersion");
  if (!pv) {
    diag.warn("policyVersion", "missing: consent cannot be asked again after a material policy change");
  } else if (!pv->is_string() || pv->get_ref<const std::string&>().empty() ||
             pv->get_ref<const std::string&>().size() > 64) {
    diag.error("policyVersion", "must be a non-empty string of at most 64 characters");
  } else {
    rules.policy_version = pv->get_ref<const std::string&>();
  }

  const json* c = root.find_ptr("consent");
  if (c) {
    if (!c->is_object()) {
      diag.error("consent", "must be an object");
    } else {
      check_keys(*c, "consent", "personalizationDefault reaskAfterDays maxReceipts",
                 "unknown key (expected personalizationDefault, reaskAfterDays, maxReceipts)", diag);
      read_bool(*c, "personalizationDefault", "consent", rules.personalization_default, diag);
      int64_t v = rules.reask_after_days;
      read_int(*c, "reaskAfterDays", "consent", 1, 3650, v, diag);
      rules.reask_after_days = int(v);
      v = int64_t(rules.max_receipts);
      read_int(*c, "maxReceipts", "consent", 1, 1000, v, diag);
      rules.max_receipts = size_t(v);
    }
  }

  const json* site = root.find_ptr("site");
  if (site && site->is_object())
    read_bool(*site, "directedAtChildren", "site", rules.directed_at_children, diag);
  const json* invitation = root.find_ptr("invitation");  // its keys are checked with the panel's
  if (invitation && invitation->is_object()) {
    const json* enabled = invitation->find_ptr("enabled");
    if (enabled && enabled->is_boolean()) rules.invite = enabled->get<bool>();
  }
  return rules;
}

// Written directly, keys in byte order: the bytes json::dump() gave when this
// was built as a json value (receipts store it).
std::string consent_to_json(const Consent& c) {
  // A site directed at children profiles nothing, so no category reads as on.
  bool kids = c.directed_at_children;
  JsonWriter w;
  w.begin_object().key("categories").begin_object().key("interests").boolean(c.interests && !kids);
  w.key("location").boolean(c.location && !kids).key("occasions").boolean(c.occasions && !kids);
  w.key("purchases").boolean(c.purchases && !kids).end_object().key("policyVersion").string(c.policy_version);
  w.key("purposes").begin_object().key("aggregate").boolean(c.aggregate);
  w.key("personalization").boolean(c.personalization).end_object();
  w.key("signals").begin_object().key("dnt").boolean(c.signals.dnt).key("gpc").boolean(c.signals.gpc).end_object();
  return w.end_object().take();
}

void add_receipt(Consent& c, ConsentSource source, std::string reason, int64_t now_ms) {
  c.receipts.push_back(Receipt{now_ms, c.policy_version, source, std::move(reason), consent_to_json(c)});
  trim_receipts(c);
}

Consent initial_consent(const ConsentRules& rules, Signals signals, int64_t now_ms) {
  Consent c;
  c.personalization = rules.personalization_default;
  c.signals = signals;
  c.policy_version = rules.policy_version;
  c.directed_at_children = rules.directed_at_children;
  c.max_receipts = rules.max_receipts;
  std::string reason = "defaults";
  if (rules.personalization_default) reason += "; personalization on by the site's configuration";
  if (rules.directed_at_children) reason += "; site directed at children: no profiling";
  add_receipt(c, ConsentSource::default_, reason, now_ms);
  // The signals are recorded as the reason aggregate stays off.
  if (signals.gpc) add_receipt(c, ConsentSource::gpc, "Global Privacy Control: aggregate stays off", now_ms);
  if (signals.dnt) add_receipt(c, ConsentSource::dnt, "Do Not Track: aggregate stays off", now_ms);
  return c;
}

Consent forgotten_consent(const ConsentRules& rules, Signals signals, int64_t now_ms) {
  Consent c = initial_consent(rules, signals, now_ms);
  c.receipts.clear();
  c.personalization = c.interests = false;
  c.visitor_chose_ms = now_ms;
  add_receipt(c, ConsentSource::visitor, "the visitor chose to forget everything", now_ms);
  return c;
}

void refresh_consent(Consent& c, const ConsentRules& rules, Signals signals, int64_t now_ms) {
  c.max_receipts = rules.max_receipts;
  trim_receipts(c);
  if (c.directed_at_children != rules.directed_at_children) {
    c.directed_at_children = rules.directed_at_children;
    add_receipt(c, ConsentSource::default_,
                rules.directed_at_children ? "site directed at children: no profiling" : "site no longer directed at children",
                now_ms);
  }
  if (c.policy_version != rules.policy_version) {
    // A material change: what was granted under the old text no longer counts.
    // Category choices stay as the visitor set them; without personalization
    // they are inert until the visitor grants it again under the new policy.
    std::string old = c.policy_version;
    c.policy_version = rules.policy_version;
    c.personalization = rules.personalization_default;
    c.aggregate = false;
    c.aggregate_by_visitor = false;
    c.visitor_chose_ms = -1;
    add_receipt(c, ConsentSource::default_,
                "policy changed from '" + old + "' to '" + rules.policy_version + "': earlier grants lapsed", now_ms);
  }
  bool was_gpc = c.signals.gpc, was_dnt = c.signals.dnt;
  c.signals = signals;
  if (signals.gpc != was_gpc || signals.dnt != was_dnt) {
    if (signal_blocks_aggregate(c) && c.aggregate) c.aggregate = false;
    if (signals.gpc != was_gpc)
      add_receipt(c, ConsentSource::gpc,
                  signals.gpc ? "Global Privacy Control on: aggregate off unless the visitor chose it"
                              : "Global Privacy Control off",
                  now_ms);
    if (signals.dnt != was_dnt)
      add_receipt(c, ConsentSource::dnt,
                  signals.dnt ? "Do Not Track on: aggregate off unless the visitor chose it" : "Do Not Track off",
                  now_ms);
  }
}

Status apply_consent_change(Consent& c, Profile& profile, const json& change, ConsentSource source,
                            bool user_gesture, int64_t now_ms, bool* withdrawn) {
  if (withdrawn) *withdrawn = false;
  if (!change.is_object()) return make_error("", "consent change must be an object {purposes?, categories?}");
  struct Flip {
    bool* flag;
    std::string name;
  };
  Consent next = c;
  std::vector<Flip> grants, withdrawals;
  Status refusal = ok_status();
  for (auto group = change.begin(); group != change.end(); ++group) {
    bool purposes = group.key() == "purposes";
    if (!purposes && group.key() != "categories")
      return make_error(group.key(), "unknown key (expected purposes, categories)");
    if (!group->is_object()) return make_error(group.key(), "must be an object");
    for (auto it = group->begin(); it != group->end(); ++it) {
      std::string path = join_path(group.key(), it.key());
      bool* flag = nullptr;
      if (purposes) {
        if (it.key() == "personalization") flag = &next.personalization;
        if (it.key() == "aggregate") flag = &next.aggregate;
        if (!flag) return make_error(path, "unknown purpose (expected personalization, aggregate)");
      } else {
        for (Category cat : kCategories)
          if (it.key() == category_name(cat)) flag = category_flag(next, cat);
        if (!flag) return make_error(path, "unknown category (expected interests, purchases, location, occasions)");
      }
      if (!it->is_boolean()) return make_error(path, "must be true or false");
      bool want = it->get<bool>();
      if (want == *flag) continue;
      (want ? grants : withdrawals).push_back({flag, it.key()});
      if (!want || !refusal.ok()) continue;
      if (!purposes && c.directed_at_children) {
        refusal = coded(make_error(path, "grant refused: this site is directed at children and keeps no profile"),
                        "directed-at-children");
      } else if (flag == &next.aggregate && (c.signals.gpc || c.signals.dnt) && source != ConsentSource::visitor) {
        refusal = coded(make_error(path, std::string("grant refused: ") + (c.signals.gpc ? "Global Privacy Control" : "Do Not Track") +
                                             " is on; only the visitor can turn aggregate on"),
                        "signal-on");
      }
    }
  }
  // No gesture is the first reason a grant fails: it never depends on the site's rules.
  if (!grants.empty() && !user_gesture) {
    std::string names;
    for (auto& g : grants) names += (names.empty() ? "" : ", ") + g.name;
    refusal = coded(make_error("", "grant refused: consent can only be granted during a user gesture (" + names + ")"),
                    "gesture-required");
  }
  if (!refusal.ok()) grants.clear();  // grants apply together or not at all; withdrawals still do
  if (grants.empty() && withdrawals.empty()) return refusal;

  std::string reason;
  for (auto& g : grants) {
    *g.flag = true;
    reason += (reason.empty() ? "+" : ", +") + g.name;
  }
  for (auto& w : withdrawals) {
    *w.flag = false;
    reason += (reason.empty() ? "-" : ", -") + w.name;
  }
  if (next.aggregate && !c.aggregate && source == ConsentSource::visitor) next.aggregate_by_visitor = true;
  if (!next.aggregate) next.aggregate_by_visitor = false;
  if (source == ConsentSource::visitor || source == ConsentSource::site_api) next.visitor_chose_ms = now_ms;
  c = std::move(next);
  // Turning a category off deletes what it held, at once.
  for (Category cat : kCategories)
    if (!category_on(c, cat)) clear_category(profile, cat);
  add_receipt(c, source, reason, now_ms);
  if (withdrawn) *withdrawn = !withdrawals.empty();
  if (!refusal.ok()) {
    return coded(make_error(refusal.error().path,
                            refusal.error().message + "; the withdrawals in this change were applied (" + reason + ")"),
                 refusal.error().code);
  }
  return ok_status();
}

bool enforce_consent(Profile& profile, const Consent& c) {
  bool cleared = false;
  for (Category cat : kCategories)
    if (!keeps_data(c, cat)) cleared = clear_category(profile, cat) || cleared;
  return cleared;
}

bool keeps_data(const Consent& c, Category cat) { return category_on(c, cat) && !c.directed_at_children; }

bool allowed(const Consent& c, Purpose p) {
  return p == Purpose::personalization ? c.personalization : c.aggregate && !signal_blocks_aggregate(c);
}

bool allowed(const Consent& c, Category cat) {
  return category_on(c, cat) && c.personalization && !c.directed_at_children;
}

bool should_ask(const Consent& c, const ConsentRules& rules, int64_t now_ms) {
  if (c.visitor_chose_ms < 0 || c.policy_version != rules.policy_version) return true;
  return now_ms - c.visitor_chose_ms > int64_t(rules.reask_after_days) * kDayMs;
}

bool should_invite(const Consent& c, const ConsentRules& rules, int64_t dismissed_ms, const std::string& dismissed_policy,
                   int64_t now_ms) {
  if (!rules.invite || rules.directed_at_children || c.personalization || !should_ask(c, rules, now_ms)) return false;
  // A "No thanks" dated after now (the clock was put back) is still recent.
  bool declined = dismissed_ms >= 0 && dismissed_policy == rules.policy_version &&
                  now_ms - dismissed_ms <= int64_t(rules.reask_after_days) * kDayMs;
  return !declined;
}

std::string consent_receipts(const Consent& c) {
  JsonWriter w;
  w.begin_array();
  for (const Receipt& r : c.receipts) {
    w.begin_object().key("at").string(iso_time(r.at_ms)).key("choices").raw(r.choices);
    w.key("policyVersion").string(r.policy_version).key("reason").string(r.reason);
    w.key("source").string(source_name(r.source)).end_object();
  }
  return w.end_array().take();
}

// Written directly, keys in byte order: the bytes json::dump() gave when this
// was built as a json value, so stored records keep their form.
std::string consent_state_to_json(const Consent& c) {
  JsonWriter w;
  w.begin_object().key("aggregate").boolean(c.aggregate).key("aggregateByVisitor").boolean(c.aggregate_by_visitor);
  w.key("children").boolean(c.directed_at_children).key("dnt").boolean(c.signals.dnt).key("gpc").boolean(c.signals.gpc);
  w.key("interests").boolean(c.interests).key("location").boolean(c.location);
  w.key("maxReceipts").integer(c.max_receipts).key("occasions").boolean(c.occasions);
  w.key("personalization").boolean(c.personalization).key("policyVersion").string(c.policy_version);
  w.key("purchases").boolean(c.purchases).key("receipts").begin_array();
  for (const Receipt& r : c.receipts) {
    w.begin_object().key("at").integer(r.at_ms).key("choices").raw(r.choices).key("pv").string(r.policy_version);
    w.key("src").integer(int(r.source)).key("why").string(r.reason).end_object();
  }
  w.end_array().key("v").integer(1).key("visitorChose").integer(c.visitor_chose_ms);
  return w.end_object().take();
}

Result<Consent> consent_state_from_json(const json& j) {
  if (!j.is_object()) return make_error("", "consent state must be an object");
  const json* v = j.find_ptr("v");
  if (!v || !v->is_number_integer() || v->get<int64_t>() != 1)
    return make_error("v", "unsupported consent state version");
  Consent c;
  struct {
    const char* key;
    bool* out;
  } bools[] = {{"personalization", &c.personalization}, {"aggregate", &c.aggregate},
               {"interests", &c.interests},             {"purchases", &c.purchases},
               {"location", &c.location},               {"occasions", &c.occasions},
               {"gpc", &c.signals.gpc},                 {"dnt", &c.signals.dnt},
               {"children", &c.directed_at_children},   {"aggregateByVisitor", &c.aggregate_by_visitor}};
  for (auto& b : bools) {
    const json* it = j.find_ptr(b.key);
    if (!it || !it->is_boolean()) return make_error(b.key, "must be true or false");
    *b.out = it->get<bool>();
  }
  const json* pv = j.find_ptr("policyVersion");
  if (!pv || !pv->is_string()) return make_error("policyVersion", "must be a string");
  c.policy_version = pv->get_ref<const std::string&>();
  const json* chose = j.find_ptr("visitorChose");
  if (!chose || !chose->is_number_integer()) return make_error("visitorChose", "must be an integer");
  c.visitor_chose_ms = chose->get<int64_t>();
  const json* max = j.find_ptr("maxReceipts");
  if (!max || !max->is_number_unsigned() || max->get<uint64_t>() == 0 || max->get<uint64_t>() > 1000)
    return make_error("maxReceipts", "must be an integer 1..1000");
  c.max_receipts = size_t(max->get<uint64_t>());
  const json* rs = j.find_ptr("receipts");
  if (!rs || !rs->is_array()) return make_error("receipts", "must be an array");
  for (size_t i = 0; i < rs->size(); ++i) {
    const json& r = (*rs)[i];
    std::string path = join_path("receipts", i);
    if (!r.is_object()) return make_error(path, "must be an object");
    const json *at = r.find_ptr("at"), *pvr = r.find_ptr("pv"), *src = r.find_ptr("src"), *why = r.find_ptr("why"),
               *ch = r.find_ptr("choices");
    if (!at || !at->is_number_integer()) return make_error(join_path(path, "at"), "must be an integer");
    if (!pvr || !pvr->is_string()) return make_error(join_path(path, "pv"), "must be a string");
    if (!src || !src->is_number_integer() || src->get<int64_t>() < 0 || src->get<int64_t>() > 4)
      return make_error(join_path(path, "src"), "must be a consent source 0..4");
    if (!why || !why->is_string()) return make_error(join_path(path, "why"), "must be a string");
    if (!ch || !ch->is_object()) return make_error(join_path(path, "choices"), "must be an object");
    c.receipts.push_back(Receipt{at->get<int64_t>(), pvr->get<std::string>(), ConsentSource(src->get<int64_t>()),
                                 why->get<std::string>(), ch->dump()});
  }
  trim_receipts(c);
  return c;
}

}  // namespace tactful
