// Deciding what each slot of a page shows: the config's slots and variants
// (checked against the guardrails when the config loads), the visitor's
// decision state (frequency caps, "not now", a local bucketing id), one call
// per page, and an explanation for every decision.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tactful/condition.hpp"
#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"
#include "tactful/result.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

class JsonWriter;

struct Caps {
  int per_day = 0;  // 0: no cap
  int per_week = 0;
};

struct Variant {
  std::string id;
  json condition_source;  // as written, for explanations
  Condition condition;
  int condition_index = -1;  // its place in DecideRules::conditions; -1: the empty condition
  double weight = 1;
  json content;             // text fields ({title, text, cta, href, image, alt}) or null
  std::string template_id;  // a page <template>, or empty
  Caps caps;
  json reason;  // {"en": ..., "es": ...} or null: the owner's sentence for explanations
  // What the placeholders can name: the interests and likes the condition reads.
  std::vector<std::string> interests;
  bool reads_likes = false;
  std::vector<std::string> named_values;  // string literals in the condition
  bool needs_interest = false, needs_like = false;  // content uses {{interest}} / {{like}}
  // The condition has $or, $nor or $not, or holds on a low interest: what the
  // placeholders name is worked out from the tests that decided, as explain does.
  bool fill_from_decisive = false;

  // Neither content nor template: the slot keeps its default (an experiment's control).
  bool personalizes() const { return !content.is_null() || !template_id.empty(); }
};

struct Experiment {
  std::string key;  // GrowthBook's hash seed
  int hash_version = 2;
};

struct Slot {
  std::string id;
  std::vector<Variant> variants;
  bool has_experiment = false;
  Experiment experiment;
};

struct DecideRules {
  std::vector<Slot> slots;  // in priority order
  std::map<std::string, size_t> index;  // slot id -> position in `slots`
  int max_personalized_slots = 3;
  double holdout = 0;
  int deadline_ms = 150;
  int not_now_days = 30;
  json saved_groups = json::object();
  // Each distinct condition of the config once, as the (slot, variant) that
  // first uses it: slots that target the same audience share one entry,
  // evaluated once per decision.
  std::vector<std::pair<uint32_t, uint32_t>> conditions;
  std::map<std::string, json> labels;  // usable interest id -> label, for {{interest}}
  std::vector<std::string> interest_ids;          // the taxonomy, in config order
  std::map<std::string, int> interest_position;  // usable interest id -> its place in it

  const Slot* find(const std::string& id) const;
};

// Reads slots, page.maxPersonalizedSlots, holdout, savedGroups, deadlineMs and
// notNowDays from the config root, compiling every condition once, and applies
// the guardrails: no sensitive interest or class in a rule, no attribute
// outside the documented list, no placeholder outside the allow-list.
DecideRules parse_decide_rules(const json& root, const Taxonomy& taxonomy, Diagnostics& diag);

// The placeholders content may use: {{interest}} (the label of the interest
// behind the rule) and {{like}} (one of the visitor's stated likes the rule names).
const std::vector<std::string>& allowed_placeholders();

// Checks a page <template>'s HTML as config content is checked: placeholders
// from the allow-list only, and only in text (never in attributes, form fields
// or scripts), and never naming a sensitive interest of `taxonomy`. The
// first problem is the error.
Status check_template(const std::string& html, const std::string& path, const Taxonomy* taxonomy = nullptr);

// A page template that passed check_template and uses `uses` (kUsesInterest |
// kUsesLike), as config content with those placeholders is checked: each
// variant showing it must read what they name (an interest, likes), else it
// could never show. Returns the first problem, naming the variant, or "".
std::string template_fill_problem(const DecideRules& rules, const std::string& template_id, int uses);

// Whether a variant of the config shows the page <template> with this id.
// Only those are checked: the page's other templates (a cart row with its
// own {{price}}, a framework's markup) are never shown by Tactful.
bool names_template(const DecideRules& rules, const std::string& template_id);

struct DayCount {
  int64_t day;  // days since the epoch (UTC)
  int count;
};

// Kept on the device, in the sealed profile snapshot.
struct DecideState {
  // A random id generated on the device from a secure source; it buckets
  // experiments and the holdout and never leaves the device.
  std::string bucket_id;
  // slot -> variant -> impressions per day, the last 7 days (capped variants only).
  std::map<std::string, std::map<std::string, std::vector<DayCount>>> impressions;
  std::map<std::string, int64_t> not_now_at;  // slot -> when the visitor said "not now"

  std::string to_json() const;  // JSON text, as stored
  // The visitor's readable copy, for the export: the bucketing id, what was
  // shown on which day, and each "not now" with when it ends.
  std::string to_export(const DecideRules& rules) const;
  // Tolerant: entries that do not parse are dropped, never the whole state.
  static DecideState from_json(const json& j);
};

enum class DecisionReason : uint8_t {
  unknown_slot, consent, holdout, not_now, budget, no_match, capped, matched, experiment
};
const char* reason_name(DecisionReason reason);

// One slot's decision, by position: `slot` in rules.slots (-1: not in the
// config), `variant` in its variants (-1: the default content), and what the
// placeholders name as positions in the taxonomy (-1: nothing).
struct SlotDecision {
  int slot = -1;
  int variant = -1;
  DecisionReason reason = DecisionReason::unknown_slot;
  int fill_interest = -1;
  int fill_like = -1;
};

// Whether the page has the <template> with this id (and it passed
// check_template): -1 if not, else the placeholders its text uses
// (kUsesInterest | kUsesLike).
using TemplateFilter = std::function<int(const std::string&)>;
constexpr int kUsesInterest = 1, kUsesLike = 2;
// The placeholders a template's or content's text uses, as kUses* bits.
int placeholders_used(const std::string& text);

// The slots a page shows, each once in the page's order (`ids` is rewritten
// so), and their positions in rules.slots (-1 for a slot the config lacks).
std::vector<int> page_slot_positions(const DecideRules& rules, std::vector<std::string>& ids);

// The decision itself, with no JSON on the way: the hot path of a page load.
// It counts nothing: an impression is counted when the page shows it
// (record_shown), so a decision that came too late to show, or a re-decision
// that leaves the same content on screen, uses no cap.
// `budget`: how many of these slots may be personalized; -1 is the page's
// whole budget (page.maxPersonalizedSlots). Slots a page adds after its first
// decision are decided with what the earlier ones left (personalized_count).
std::vector<SlotDecision> decide_slots(const DecideRules& rules, DecideState& state, const json& attributes,
                                       const std::vector<int>& slots_on_page, const TemplateFilter& has_template,
                                       bool personalize, int64_t now_ms, int budget = -1);

// How many of `decisions` show personalized content: what they took of the page's budget.
int personalized_count(const DecideRules& rules, const std::vector<SlotDecision>& decisions);

// Counts the impression of a decision the page showed (a capped variant);
// false when there was nothing to count.
bool record_shown(const DecideRules& rules, DecideState& state, const SlotDecision& decision, int64_t now_ms);

// The decisions as decide_page returns them (ids, variant ids, content, fills
// in `lang`), as JSON text; write_decisions writes the members "holdout" and
// "slots" into an object the caller has opened (the decide reply adds its own).
std::string decisions_to_json(const DecideRules& rules, const std::vector<SlotDecision>& decisions,
                              const std::vector<std::string>& slot_ids, const std::string& lang);
void write_decisions(JsonWriter& w, const DecideRules& rules, const std::vector<SlotDecision>& decisions,
                     const std::vector<std::string>& slot_ids, const std::string& lang);

// Decides every slot on the page in one call. `page_templates` are the ids of
// the page's <template> elements that passed check_template; `personalize`
// is whether the visitor allows personalization; `lang` picks label languages
// for `fill`. Returns {"slots": [{"id", "variant": string|null, "reason",
// "content"?, "template"?, "fill"?}], "holdout": bool} and counts impressions
// of capped variants in `state`, as if all were shown.
json decide_page(const DecideRules& rules, DecideState& state, const json& attributes,
                 const std::vector<std::string>& slot_ids_on_page, const std::vector<std::string>& page_templates,
                 bool personalize, int64_t now_ms, const std::string& lang = "en");

// Why `slot_id` shows what it shows, from the page's last decision (the JSON
// decide_page returned) and the attributes it saw: {"slot", "variant",
// "reason", "rule"?: {"variant", "condition", "paths"}, "used": [{"path",
// "value"}], "sentence", "sentences": {"en", "es"}}, or {"error"}.
json explain_slot(const DecideRules& rules, const json& last_decisions, const json& last_attributes,
                  const std::string& slot_id, const std::string& lang = "en");

// The visitor's "not now" on a slot: it shows its default for rules.not_now_days.
void not_now(DecideState& state, const std::string& slot_id, int64_t now_ms);
// Takes a "not now" back by the id the export gives it (`not-now:<slot>`);
// false for any other id, or a slot with no "not now".
bool remove_not_now(DecideState& state, const std::string& item_id);

// A cap record says which variant the visitor was shown, and so something of
// the data its rule read: it is kept only for the week the caps count, and
// goes with that data (`erased(path)`: the attribute's category was turned
// off). Records of variants the config no longer has, and "not now" choices
// past rules.not_now_days, go too. Returns whether anything was dropped.
bool prune_decide_state(DecideState& state, const DecideRules& rules,
                        const std::function<bool(const std::string& path)>& erased, int64_t now_ms);

}  // namespace tactful
