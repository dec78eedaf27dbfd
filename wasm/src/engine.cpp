#include "tactful/engine.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "tactful/attributes.hpp"
#include "tactful/base64.hpp"
#include "tactful/condition_case.hpp"
#include "tactful/config.hpp"
#include "tactful/consent.hpp"
#include "tactful/decide.hpp"
#include "tactful/json.hpp"
#include "tactful/json_writer.hpp"
#include "tactful/profile.hpp"
#include "tactful/random.hpp"
#include "tactful/report.hpp"
#include "tactful/snapshot.hpp"

namespace tactful {

struct PageState {
  PageContext context;
  std::string lang = "en";
  std::vector<std::string> slot_ids;  // each once, in the page's order
  std::vector<int> positions;         // in the config's slots; -1 for unknown
  std::vector<std::pair<std::string, int>> templates;  // page <template>s that passed check_template,
                                                        // with the placeholders they use
  // Where each batch of slots starts in slot_ids: the first decision's, then
  // each set of slots the page added later (a framework rendering them). A
  // batch is decided in config order with what the earlier batches left of
  // the budget, so slots already on screen never lose their place to later ones.
  std::vector<size_t> batches{0};
};

struct EngineState {
  std::optional<Config> config;
  uint8_t key[32] = {0};
  bool key_set = false;
  Consent consent;
  Profile profile;
  DecideState decide;
  WindowAccumulator window;
  Signals signals;
  bool consent_dirty = false;
  bool profile_dirty = false;
  bool ephemeral = false;  // "don't remember this visit"
  bool has_records = false;  // the visitor's browser holds records of ours
  bool choice_made = false;  // the visitor chose or declared something on this page
  PageState page;
  std::vector<SlotDecision> last;  // the current page's last decisions
  std::vector<int16_t> binary;     // decide_binary's reply
  std::vector<json> last_attributes;  // what each batch's last decision saw, for explain
  // A sealed report (base64) kept until a page says it was delivered, refused
  // for good or past its deadline (report.done): a page that unloads while
  // its report waits out the send delay leaves it for the next page.
  std::string pending_report;
  int64_t pending_deadline = 0;
  int64_t pending_claim = 0;  // until when one page is sending it (others wait)
};

namespace {

// The page's record of a visitor's "No thanks" to the invitation
// ({dismissedAt: ms, dismissedPolicyVersion}, kept in its localStorage):
// read for the invitation and shown in the export.
struct NoThanks {
  std::optional<int64_t> at_ms;
  const std::string* policy = nullptr;
};
NoThanks read_no_thanks(const json& in) {
  NoThanks no;
  if (!in.is_object()) return no;
  if (const json* at = in.find_ptr("dismissedAt"); at && at->is_number_integer()) no.at_ms = at->get<int64_t>();
  if (const json* pv = in.find_ptr("dismissedPolicyVersion"); pv && pv->is_string()) {
    no.policy = &pv->get_ref<const std::string&>();
  }
  return no;
}

// Replies are written directly (json_writer.hpp), each object's keys in byte order.
// `code` names a refusal the visitor can cause (Error::code), for the panel to say in their language.
std::string error_json(std::string_view message, std::string_view path = {}, std::string_view code = {}) {
  JsonWriter w;
  if (!code.empty()) w.begin_object().key("code").string(code).key("error").string(message);
  else w.begin_object().key("error").string(message);
  if (!path.empty()) w.key("path").string(path);
  return w.end_object().take();
}

// {"<name>": true}, {"<name>": 3}: the replies of one member.
std::string one_member(std::string_view name, const json& value) {
  return JsonWriter().begin_object().key(name).value(value).end_object().take();
}

std::string error_json(const Error& e) { return error_json(e.message, e.path, e.code); }

// An id from the caller, short enough to quote in an error.
std::string clipped(const std::string& id) {
  if (id.size() <= 64) return id;
  size_t n = 61;
  while (n > 0 && (static_cast<unsigned char>(id[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
  return id.substr(0, n) + "...";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Whether the stored item `id` (docs/profile.md) is what the attribute `path` is made from.
bool item_behind(const std::string& path, const std::string& id) {
  if (starts_with(path, "interests.")) {
    std::string interest = path.substr(10);
    return id == "interest:" + interest || id == "like:" + interest || id == "dislike:" + interest;
  }
  if (path == "likes") return starts_with(id, "like:");
  if (path == "dislikes") return starts_with(id, "dislike:");
  if (starts_with(path, "visits.")) return id == "visits";
  if (starts_with(path, "purchases.")) {
    std::string rest = path.substr(10);
    return id == "purchases:" + rest.substr(0, rest.find('.'));
  }
  if (starts_with(path, "location.")) return id == "location";
  if (starts_with(path, "occasions.")) return id == path.substr(10);
  return false;
}

std::vector<std::string> string_list(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& v : value) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string string_field(const json& obj, const char* key, const std::string& fallback = "") {
  const json* it = obj.find_ptr(key);
  return (it && it->is_string()) ? it->get<std::string>() : fallback;
}

constexpr size_t kMaxPagePath = 2048;  // as the sitemaps protocol bounds a URL; page() says the number

PageContext page_context(const json& input) {
  PageContext page;
  page.path = string_field(input, "path", "/");
  page.interests = string_list(input.value("interests", json::array()));
  page.viewport = string_field(input, "viewport", "large");
  // Time zones lie within UTC-12 and UTC+14; anything else is not one (UTC then).
  const json* tz = input.find_ptr("tzOffsetMinutes");
  if (tz && tz->is_number_integer() && std::abs(tz->get<int64_t>()) <= 14 * 60) page.tz_offset_minutes = int(tz->get<int64_t>());
  return page;
}

// The profile record: keys in byte order, as json::dump() wrote them.
std::string profile_snapshot_state(const EngineState& s) {
  JsonWriter w;
  w.begin_object().key("decide").raw(s.decide.to_json()).key("pendingClaim").integer(s.pending_claim);
  w.key("pendingDeadline").integer(s.pending_deadline);
  w.key("pendingReport").string(s.pending_report).key("profile").raw(profile_state_to_json(s.profile));
  return w.key("window").raw(s.window.to_json()).end_object().take();
}

// Both records are sealed with the same key, so one copied over the other
// (a same-origin script's mischief) opens: these name it by the keys only
// that record has, rather than by the first field it lacks.
bool holds_profile_record(const json& state) {
  return state.is_object() && state.contains("profile") && state.contains("decide") && !state.contains("v");
}
bool holds_consent_record(const json& state) {
  return state.is_object() && state.contains("receipts") && state.contains("policyVersion") &&
         !state.contains("profile");
}

class Operations {
 public:
  Operations(EngineState& s, int64_t now, bool gesture) : s_(s), now_(now), gesture_(gesture) {}

  std::string init(std::string_view text) {
    Diagnostics diag;
    auto loaded = load_config(text, diag);
    JsonWriter w;
    w.begin_object();
    if (!loaded.ok()) {
      w.key("error").string("invalid config: " + diag.errors.front().to_string());
      w.key("errors").begin_array();
      for (const auto& e : diag.errors) w.string(e.to_string());
      return w.end_array().key("path").string(diag.errors.front().path).end_object().take();
    }
    s_.config = std::move(loaded.value());
    s_.consent = initial_consent(s_.config->consent, s_.signals, now_);
    s_.profile = Profile{};
    s_.decide = DecideState{};
    s_.window = WindowAccumulator{};
    w.key("ok").boolean(true).key("warnings").begin_array();
    for (const auto& warning : diag.warnings) w.string(warning.to_string());
    return w.end_array().end_object().take();
  }

  // Restores the visitor's stored records. Each is independent: a damaged
  // profile resets while an intact consent record survives.
  std::string load(const json& in) {
    auto key = base64_decode(string_field(in, "key"));
    if (!key || key->size() != 32) return error_json("storage key must be 32 bytes of base64", "key");
    std::memcpy(s_.key, key->data(), 32);
    s_.key_set = true;
    auto sig = in.value("signals", json::object());
    s_.signals.gpc = sig.value("gpc", false);
    s_.signals.dnt = sig.value("dnt", false);

    std::string consent_reset, profile_reset;  // why a record was dropped
    const auto& rules = s_.config->consent;
    s_.has_records = (in.contains("consent") && in["consent"].is_string()) ||
                     (in.contains("profile") && in["profile"].is_string());
    s_.choice_made = false;
    s_.consent = initial_consent(rules, s_.signals, now_);
    s_.consent_dirty = true;
    if (const json* rec = in.find_ptr("consent"); rec && rec->is_string()) {
      bool migrated = false;
      auto opened = open_record(*rec, migrated);
      if (!opened.ok()) {
        consent_reset = "consent record: " + opened.error().message;
      } else if (auto c = consent_state_from_json(*opened); c.ok()) {
        s_.consent = std::move(c.value());
        s_.consent_dirty = migrated;
      } else if (holds_profile_record(*opened)) {
        consent_reset = "consent record: holds a profile record, not a consent record";
      } else {
        consent_reset = "consent record: " + c.error().to_string();
      }
    }
    refresh_consent(s_.consent, rules, s_.signals, now_);

    s_.profile = Profile{};
    s_.decide = DecideState{};
    s_.window = WindowAccumulator{};
    if (const json* rec = in.find_ptr("profile"); rec && rec->is_string()) {
      bool migrated = false;
      auto opened = open_record(*rec, migrated);
      s_.profile_dirty = s_.profile_dirty || migrated;
      if (!opened.ok()) {
        profile_reset = "profile record: " + opened.error().message;
        s_.profile_dirty = true;
      } else if (!restore_profile(*opened)) {
        profile_reset = holds_consent_record(*opened) ? "profile record: holds a consent record, not a profile record"
                                                      : "profile record: unreadable contents";
        s_.profile_dirty = true;
      }
    }
    if (const json* bucket = in.find_ptr("bucketId"); bucket && bucket->is_string()) {
      s_.decide.bucket_id = bucket->get_ref<const std::string&>();
    }
    if (s_.decide.bucket_id.empty()) {
      s_.decide.bucket_id = random_hex(16);
      s_.profile_dirty = true;
    }
    // A record holding what consent no longer allows (a copy sealed before a
    // withdrawal) is written again without it.
    if (enforce_consent_on_profile()) s_.profile_dirty = true;
    // The config may have changed since the record was written (an interest
    // now sensitive, item-level purchases turned off): what it no longer
    // allows goes from the record, not only from what conditions see.
    if (conform_to_config(s_.profile, s_.config->taxonomy, s_.config->profile)) s_.profile_dirty = true;
    purge();  // what is past its time goes from the record too (purge marks it to be written)
    JsonWriter w;
    w.begin_object();
    if (!consent_reset.empty()) w.key("consentReset").string(consent_reset);
    w.key("ok").boolean(true);
    if (!profile_reset.empty()) w.key("profileReset").string(profile_reset);
    return w.end_object().take();
  }

  // Writes back only what changed, sealed; "don't remember this visit" keeps
  // the profile as it was before the visit.
  std::string save() {
    if (!s_.key_set) return error_json("save before load");
    JsonWriter w;
    w.begin_object();
    // A visitor who never chose anything and about whom nothing is stored
    // leaves nothing behind: no record, no key, no bucketing id.
    if (!s_.has_records && !s_.choice_made && item_count(s_.profile) == 0) return w.end_object().take();
    if (s_.consent_dirty) {
      w.key("consent").string(base64_encode(seal_snapshot(consent_state_to_json(s_.consent), s_.key)));
      s_.consent_dirty = false;
    }
    if (s_.profile_dirty && !s_.ephemeral) {
      enforce_bounds(s_.profile, s_.config->profile);
      w.key("profile").string(base64_encode(seal_snapshot(profile_snapshot_state(s_), s_.key)));
      s_.profile_dirty = false;
    }
    return w.end_object().take();
  }

  std::string track(const json& events) {
    if (!events.is_array()) return error_json("track expects an array of events");
    int stored = 0, dropped = 0;
    JsonWriter errors;
    errors.begin_array();
    for (size_t i = 0; i < events.size(); ++i) {
      auto result = track_one(events[i]);
      if (!result.ok()) {
        errors.begin_object().key("error").string(result.error().to_string()).key("index").integer(i).end_object();
        ++dropped;
      } else if (*result) {
        ++stored;
      } else {
        ++dropped;
      }
    }
    if (stored > 0) s_.profile_dirty = true;
    JsonWriter w;
    w.begin_object().key("dropped").integer(dropped).key("errors").raw(errors.end_array().take());
    return w.key("stored").integer(stored).end_object().take();
  }

  // The page's own context and slots, set once per page load: decisions
  // after that (the hot path) need no JSON in. Returns the problems found in
  // the page's templates.
  std::vector<std::string> set_page(const json& in) {
    const auto& rules = s_.config->decide;
    PageState page;
    page.context = page_context(in);
    page.lang = string_field(in, "lang", "en");
    page.slot_ids = string_list(in.value("slots", json::array()));
    page.positions = page_slot_positions(rules, page.slot_ids);
    s_.page = std::move(page);
    s_.last.clear();  // a new page view: nothing of the budget is used yet
    s_.last_attributes.clear();
    return add_templates(in);
  }

  // Checks the page's <template>s that a variant names and the page has not
  // given before; returns the problems found.
  std::vector<std::string> add_templates(const json& in) {
    std::vector<std::string> template_errors;
    const json* t = in.find_ptr("templates");
    if (!t || !t->is_object()) return template_errors;
    for (const auto& item : t->items()) {
      if (!item.value().is_string()) continue;
      bool known = false;
      for (const auto& [id, uses] : s_.page.templates) known = known || id == item.key();
      if (known || !names_template(s_.config->decide, item.key())) continue;
      std::string where = "template#" + item.key();
      auto checked = check_template(item.value().get<std::string>(), where, &s_.config->taxonomy);
      int uses = placeholders_used(item.value().get<std::string>());
      std::string unfillable = checked.ok() ? template_fill_problem(s_.config->decide, item.key(), uses) : "";
      if (!unfillable.empty()) {
        template_errors.push_back(Error{where, unfillable}.to_string());
      } else if (checked.ok()) {
        s_.page.templates.push_back({item.key(), uses});
      } else {
        template_errors.push_back(checked.error().to_string());
      }
    }
    return template_errors;
  }

  // A decision may run every regex of the config over the path: its length
  // bounds that work (with the config's regex budget, decide.cpp).
  static std::string refused_page(const json& in) {
    if (string_field(in, "path").size() <= kMaxPagePath) return {};
    return error_json("the page's path is longer than 2048 characters, the most conditions read", "path");
  }

  std::string page(const json& in) {
    if (std::string refused = refused_page(in); !refused.empty()) return refused;
    std::vector<std::string> template_errors = set_page(in);
    JsonWriter w;
    w.begin_object().key("slots").begin_array();
    for (int position : s_.page.positions) w.integer(position);
    w.end_array();
    if (!template_errors.empty()) w.key("templateErrors").value(json(template_errors));
    return w.end_object().take();
  }

  // Decides page slots [from, to) from the visitor's state now, with
  // `budget` personalized slots left (-1: the page's whole budget).
  std::vector<SlotDecision> decide_batch(const json& attrs, size_t from, size_t to, int budget) {
    const auto& cfg = *s_.config;
    bool personalize = allowed(s_.consent, Purpose::personalization);
    const auto& templates = s_.page.templates;
    auto has_template = [&templates](const std::string& id) {
      for (const auto& [tid, uses] : templates) {
        if (tid == id) return uses;
      }
      return -1;
    };
    const auto& all = s_.page.positions;
    // The first decision of a page is its whole slot list: no copy on the hot path.
    const bool whole = from == 0 && to == all.size();
    std::vector<int> part;
    if (!whole) part.assign(all.begin() + from, all.begin() + to);
    return decide_slots(cfg.decide, s_.decide, attrs, whole ? all : part, has_template, personalize, now_, budget);
  }

  json current_attributes() const {
    const auto& cfg = *s_.config;
    return attribute_view(s_.profile, s_.consent, cfg.taxonomy, cfg.profile, s_.page.context, now_);
  }

  // Decides every slot of the current page, batch after batch (PageState::batches).
  const std::vector<SlotDecision>& decide_current() {
    json attrs = current_attributes();
    const auto& batches = s_.page.batches;
    const size_t count = s_.page.positions.size();
    if (batches.size() == 1) {
      s_.last = decide_batch(attrs, 0, count, -1);
    } else {
      s_.last.clear();
      int left = s_.config->decide.max_personalized_slots;
      for (size_t b = 0; b < batches.size(); ++b) {
        auto decided = decide_batch(attrs, batches[b], b + 1 < batches.size() ? batches[b + 1] : count, left);
        left = std::max(0, left - personalized_count(s_.config->decide, decided));
        for (const auto& d : decided) s_.last.push_back(d);
      }
    }
    s_.last_attributes.clear();
    for (size_t b = 1; b < batches.size(); ++b) s_.last_attributes.push_back(attrs);
    s_.last_attributes.push_back(std::move(attrs));
    return s_.last;
  }

  // slots {slots: [ids], templates?}: slots the page added after its first
  // decision (a framework or a client-side router rendering them), decided
  // now as one batch with what the page's earlier slots left of the budget.
  // The earlier slots keep their decisions; an id already on the page is not
  // decided again (a slot removed and added back shows what it showed).
  // Replies {slots: [ids added], positions: [...], decisions: [4 per slot, as
  // decide_binary], templateErrors?}.
  std::string add_slots(const json& in) {
    const json* list = in.find_ptr("slots");
    if (!list || !list->is_array()) return error_json("slots expects {slots: [ids]}", "slots");
    std::vector<std::string> ids;
    for (auto& id : string_list(*list)) {
      if (std::find(s_.page.slot_ids.begin(), s_.page.slot_ids.end(), id) == s_.page.slot_ids.end()) ids.push_back(id);
    }
    std::vector<int> positions = page_slot_positions(s_.config->decide, ids);
    std::vector<std::string> template_errors = add_templates(in);
    auto& page = s_.page;
    const size_t from = page.slot_ids.size();
    if (s_.last.size() != from) decide_current();  // the page's first decision comes first
    JsonWriter w;
    w.begin_object().key("decisions").begin_array();
    if (!ids.empty()) {
      for (size_t i = 0; i < ids.size(); ++i) {
        page.slot_ids.push_back(ids[i]);
        page.positions.push_back(positions[i]);
      }
      page.batches.push_back(from);
      json attrs = current_attributes();
      int left = std::max(0, s_.config->decide.max_personalized_slots - personalized_count(s_.config->decide, s_.last));
      std::vector<int16_t> packed;
      for (const auto& d : decide_batch(attrs, from, page.slot_ids.size(), left)) s_.last.push_back(d);
      s_.last_attributes.push_back(std::move(attrs));
      pack_decisions(s_.last.data() + from, ids.size(), packed);
      for (int16_t v : packed) w.integer(v);
    }
    w.end_array().key("positions").begin_array();
    for (int p : positions) w.integer(p);
    w.end_array().key("slots").begin_array();
    for (const auto& id : ids) w.string(id);
    w.end_array();
    if (!template_errors.empty()) w.key("templateErrors").value(json(template_errors));
    return w.end_object().take();
  }

  // The id of the variant the last decision chose for page slot i, or "".
  const std::string& decided_id(size_t i) const {
    static const std::string none;
    const SlotDecision& d = s_.last[i];
    return d.variant >= 0 ? s_.config->decide.slots[d.slot].variants[d.variant].id : none;
  }

  // What the page put on screen for page slot i: the decided variant
  // (`as_decided`) or its own content. When it is new on the page (`fresh`),
  // a showing for reports and an impression against the caps; otherwise only
  // which variant was shown last. Only a change is written back: each write
  // makes every other open tab decide again, and a tab that wrote after
  // deciding the same thing again would have two tabs answer each other forever.
  void record_display(size_t i, bool as_decided, bool fresh) {
    bool changed = as_decided && fresh && record_shown(s_.config->decide, s_.decide, s_.last[i], now_);
    // The slot's own content is the variant "default" in every metric (the holdout's too).
    if (aggregating()) {
      changed = s_.window.observe_shown(s_.page.slot_ids[i], as_decided ? decided_id(i) : "default", fresh) || changed;
    }
    if (changed) s_.profile_dirty = true;
  }

  // shown {slots: [{id, variant, fresh}]}: what the page shows after the last
  // decision, every slot; `fresh` when its content is new on the page (its
  // first showing, or a change). Caps count fresh showings only: a decision
  // shown too late, or decided again with the same content on screen, uses
  // none. Reports learn what is on screen now.
  std::string shown(const json& in) {
    const json* slots = in.find_ptr("slots");
    if (!slots || !slots->is_array()) return error_json("shown expects {slots: [{id, variant}]}", "slots");
    int counted = 0;
    for (const auto& entry : *slots) {
      std::string id = string_field(entry, "id");
      for (size_t i = 0; i < s_.page.slot_ids.size() && i < s_.last.size(); ++i) {
        if (s_.page.slot_ids[i] != id) continue;
        const std::string& decided = decided_id(i);
        record_display(i, !decided.empty() && string_field(entry, "variant") == decided, entry.value("fresh", true));
        ++counted;
      }
    }
    return one_member("counted", counted);
  }

  // The JSON operation decides and shows: every slot as decided.
  std::string decide(const json& in) {
    std::vector<std::string> template_errors;
    if (in.contains("slots")) {
      if (std::string refused = refused_page(in); !refused.empty()) return refused;
      template_errors = set_page(in);
    }
    const auto& decisions = decide_current();
    for (size_t i = 0; i < decisions.size(); ++i) record_display(i, decisions[i].variant >= 0, true);
    JsonWriter w;
    w.begin_object();
    write_decisions(w, s_.config->decide, decisions, s_.page.slot_ids, s_.page.lang);
    if (!template_errors.empty()) w.key("templateErrors").value(json(template_errors));
    return w.end_object().take();
  }

  // The binary form of decide: 4 int16 per slot of the page (variant
  // position or -1, reason, {{interest}} and {{like}} taxonomy positions or -1).
  void decide_binary(std::vector<int16_t>& out) {
    const auto& decisions = decide_current();
    pack_decisions(decisions.data(), decisions.size(), out);
  }

  static void pack_decisions(const SlotDecision* d, size_t count, std::vector<int16_t>& out) {
    // Plain stores through a pointer: at -Oz a push_back per value is a call chain.
    out.resize(count * 4);
    int16_t* o = out.data();
    for (const SlotDecision* end = d + count; d != end; ++d, o += 4) {
      o[0] = static_cast<int16_t>(d->variant);
      o[1] = static_cast<int16_t>(d->reason);
      o[2] = static_cast<int16_t>(d->fill_interest);
      o[3] = static_cast<int16_t>(d->fill_like);
    }
  }

  std::string explain(const json& in) {
    std::string slot = string_field(in, "slot");
    // explain is rare: the decisions are read back from their reply form. A
    // slot the page kept on its own content because the decision came after
    // the deadline (`late`, from the page) is explained as what it shows.
    json last = in.value("late", false)
                    ? json{{"slots", json::array({{{"id", slot}, {"reason", "late"}, {"variant", nullptr}}})}}
                    : json::parse(decisions_to_json(s_.config->decide, s_.last, s_.page.slot_ids, s_.page.lang));
    // The attributes its batch was decided with (a slot the page added later saw the state of then).
    size_t at = std::find(s_.page.slot_ids.begin(), s_.page.slot_ids.end(), slot) - s_.page.slot_ids.begin();
    size_t batch = std::upper_bound(s_.page.batches.begin(), s_.page.batches.end(), at) - s_.page.batches.begin() - 1;
    static const json none = json::object();
    const json& attributes = batch < s_.last_attributes.size() ? s_.last_attributes[batch] : none;
    json out = explain_slot(s_.config->decide, last, attributes, slot, string_field(in, "lang", "en"));
    if (out.contains("error")) return out.dump();
    // Join each attribute the rule used with the stored items behind it.
    json items = json::parse(profile_view(s_.profile, s_.config->profile, now_));  // explain is rare: read it back
    json used = json::array();
    for (const auto& u : out.value("used", json::array())) {
      json entry = u;
      entry["items"] = json::array();
      std::string path = string_field(u, "path");
      const json* matched = u.find_ptr("matched");  // likes or dislikes: only those the rule's test held by
      for (const auto& group : items.items()) {
        if (!group.value().is_array()) continue;
        for (const auto& item : group.value()) {
          std::string id = string_field(item, "id");
          if (!item_behind(path, id)) continue;
          bool named = !matched;
          for (const auto& m : matched ? *matched : json()) named = named || m == id.substr(id.find(':') + 1);
          if (!named) continue;
          entry["items"].push_back(item);
        }
      }
      used.push_back(entry);
    }
    out["used"] = used;
    return out.dump();
  }

  // A change made during a user gesture is the visitor's; one without (a
  // site script's call) can only withdraw, and is recorded as the site's.
  std::string consent_set(const json& change) {
    ConsentSource source = gesture_ ? ConsentSource::visitor : ConsentSource::site_api;
    bool withdrawn = false;
    auto status = apply_consent_change(s_.consent, s_.profile, change, source, gesture_, now_, &withdrawn);
    if (!status.ok() && !withdrawn) return error_json(status.error());
    s_.choice_made = true;
    s_.consent_dirty = true;
    s_.profile_dirty = true;
    prune_decide();  // a category turned off takes the cap records of the rules that read it
    if (!allowed(s_.consent, Purpose::aggregate)) discard_window();  // opting in never sends the past
    if (!status.ok()) {  // refused grants, applied withdrawals: the error, and the state now in force
      const Error& e = status.error();
      JsonWriter w;
      w.begin_object();
      if (*e.code) w.key("code").string(e.code);
      w.key("consent").raw(consent_to_json(s_.consent)).key("error").string(e.message);
      return w.key("path").string(e.path).end_object().take();
    }
    return consent_to_json(s_.consent);
  }

  std::string declare_prefs(const json& in) {
    auto status = declare(s_.profile, in, s_.consent, s_.config->taxonomy, s_.config->profile, now_);
    if (!status.ok()) return error_json(status.error());
    s_.choice_made = true;
    s_.profile_dirty = true;
    return profile_view(s_.profile, s_.config->profile, now_);
  }

  std::string remove(const json& in) {
    std::string id = string_field(in, "id");
    // A "not now" is the visitor's to take back, like any stored item.
    if (!remove_not_now(s_.decide, id) && !remove_item(s_.profile, id)) {
      return error_json("no stored item with id '" + id + "'", "id", "not-stored");
    }
    s_.profile_dirty = true;
    return one_member("removed", id);
  }

  std::string forget() {
    s_.profile = Profile{};
    s_.decide = DecideState{};
    s_.decide.bucket_id = random_hex(16);
    s_.window = WindowAccumulator{};
    s_.consent = initial_consent(s_.config->consent, s_.signals, now_);
    s_.consent_dirty = true;
    s_.profile_dirty = true;
    s_.has_records = false;
    s_.choice_made = false;
    return one_member("forgotten", true);
  }

  // `in` is the page's record of a "No thanks" ({dismissedAt: ms,
  // dismissedPolicyVersion}), as for "invitation": a choice it keeps about the
  // visitor, so the download shows it too.
  std::string exported(const json& in) {
    JsonWriter w;
    w.begin_object().key("consent").raw(consent_to_json(s_.consent));
    // What decisions keep is the visitor's data too (caps, "not now", the bucketing id).
    w.key("decisions").raw(s_.decide.to_export(s_.config->decide)).key("exportedAt").string(iso_time(now_));
    w.key("format").string("tactful-export").key("invitation").begin_object().key("noThanks");
    NoThanks no = read_no_thanks(in);
    if (no.at_ms && no.policy) {
      w.begin_object().key("at").string(iso_time(*no.at_ms)).key("policyVersion").string(*no.policy).end_object();
    } else {
      w.null();
    }
    w.end_object().key("profile").raw(profile_view(s_.profile, s_.config->profile, now_));
    w.key("receipts").raw(consent_receipts(s_.consent)).key("version").integer(1);
    return w.end_object().take();
  }

  // Items past their retention go, also while a page stays open.
  std::string purge() {
    size_t before = item_count(s_.profile);
    bool changed = purge_expired(s_.profile, s_.config->profile, now_);
    size_t after = item_count(s_.profile);
    bool pruned = prune_decide();
    if (changed || pruned) s_.profile_dirty = true;
    return one_member("purged", before - after);
  }

  // Storage is full: keep the most valuable half of the profile.
  std::string compact() {
    ProfileRules tighter = s_.config->profile;
    tighter.max_items = std::max<size_t>(1, tighter.max_items / 2);
    tighter.max_bytes = std::max<size_t>(1024, tighter.max_bytes / 2);
    enforce_bounds(s_.profile, tighter);
    s_.profile_dirty = true;
    return one_member("items", item_count(s_.profile));
  }

  std::string not_now_slot(const json& in) {
    std::string slot = string_field(in, "slot");
    // Only a slot the visitor can see: any other id would be stored in the
    // profile for nothing (and a script's made-up ids would fill it).
    const auto& ids = s_.page.slot_ids;
    if (std::find(ids.begin(), ids.end(), slot) == ids.end()) {
      return error_json("slot '" + clipped(slot) + "' is not on this page", "slot", "slot-not-on-page");
    }
    // A slot the config gives no variants always shows its default: a "not
    // now" on it would change nothing, yet be stored and exported.
    if (s_.config->decide.find(slot) == nullptr) {
      return error_json("slot '" + clipped(slot) + "' has no variants in the config: it always shows its default", "slot",
                        "slot-without-variants");
    }
    not_now(s_.decide, slot, now_);
    s_.choice_made = true;
    s_.profile_dirty = true;
    return one_member("ok", true);
  }

  // Reports for windows that ended, and for the current one when forced
  // (tactful.flush()), only while the visitor allows `aggregate`. One report
  // per window: the accumulator remembers that its report was built.
  std::string report(const json& in) {
    const auto& rules = s_.config->reporting;
    // The budget is the site's setting whether or not anything is spent.
    auto no_report = [&rules](std::string_view reason) {
      return JsonWriter().begin_object().key("epsilonBudget").number(rules.epsilon_budget).key("epsilonSpent").number(0)
          .key("reason").string(reason).key("report").null().end_object().take();
    };
    if (!rules.enabled) return no_report("reporting is not configured");
    if (!allowed(s_.consent, Purpose::aggregate)) {
      discard_window();
      return no_report("aggregate is off");
    }
    roll_window();
    if (in.value("force", false) && !s_.window.reported) seal_window();
    if (!s_.pending_report.empty() && now_ >= s_.pending_deadline) drop_pending();  // too late to be worth sending
    // Handed to one page at a time: it holds the report for `holdMs` (its
    // send delay and a margin; renewed by report.hold), so two tabs never
    // send one report twice; a page that unloaded lets it go when that ends.
    std::string report;
    if (!s_.pending_report.empty() && s_.pending_claim <= now_) {
      report = s_.pending_report;
      s_.pending_claim = now_ + hold_ms(in);
      s_.profile_dirty = true;
    }
    JsonWriter w;
    w.begin_object();
    if (!report.empty()) w.key("collector").string(rules.collector).key("deadline").integer(s_.pending_deadline);
    w.key("epsilonBudget").number(rules.epsilon_budget).key("epsilonSpent").number(epsilon_spent(rules, s_.window));
    // A flush that sends nothing says why, as when aggregate is off.
    if (report.empty() && s_.window.reported) w.key("reason").string("this window already has its report (one per window)");
    w.key("report");
    if (report.empty()) w.null();
    else w.string(report);
    return w.key("windowEndsAt").integer(s_.window.ends_at(rules)).end_object().take();
  }

  // report.hold {report, ms}: the sending page keeps its hold while it retries.
  // report.done {report}: delivered, refused for good, or dropped at its deadline.
  std::string report_hold(const json& in, bool done) {
    bool mine = !s_.pending_report.empty() && string_field(in, "report") == s_.pending_report;
    if (mine && done) drop_pending();
    if (mine && !done) {
      s_.pending_claim = now_ + hold_ms(in, "ms");
      s_.profile_dirty = true;
    }
    return one_member(done ? "done" : "held", mine);
  }

  int64_t hold_ms(const json& in, const char* key = "holdMs") {
    const json* v = in.find_ptr(key);
    double ms = v && v->is_number() ? v->get<double>() : 90000.0;
    return static_cast<int64_t>(std::min(std::max(ms, 1000.0), 86400000.0));
  }

  void drop_pending() {
    s_.pending_report.clear();
    s_.pending_claim = 0;
    s_.profile_dirty = true;
  }

  // Before anything is observed: a window that has ended is sealed (if it
  // has not been) and a new one starts.
  void roll_window() {
    const auto& rules = s_.config->reporting;
    if (s_.window.started() && !s_.window.due(rules, now_)) return;
    if (s_.window.started() && !s_.window.reported) seal_window();
    s_.window = WindowAccumulator{};
    s_.window.start(now_);
    s_.profile_dirty = true;
  }

  void seal_window() {
    const auto& rules = s_.config->reporting;
    auto sealed = build_report(rules, s_.window, report_inputs(), secure_random());
    if (!sealed.ok()) return;
    s_.pending_report = base64_encode(std::string_view(reinterpret_cast<const char*>(sealed->data()), sealed->size()));
    s_.pending_claim = 0;
    // A report is worth sending until the end of the window after its own.
    s_.pending_deadline = now_ + rules.window_seconds * 1000;
    s_.profile_dirty = true;
  }

  // Opting in never sends the past: nothing is accumulated while aggregate is off.
  // A window whose report was already built keeps its start and that fact
  // (nothing it observed): its ε is spent until it ends, so withdrawing and
  // granting again (two calls inside one click) cannot buy a second report.
  void discard_window() {
    WindowAccumulator spent;
    if (s_.window.reported && !s_.window.due(s_.config->reporting, now_)) {
      spent.start(s_.window.started_ms);
      spent.reported = true;
    }
    if (s_.window.to_json() != spent.to_json() || !s_.pending_report.empty()) s_.profile_dirty = true;
    s_.window = spent;
    s_.pending_report.clear();
    s_.pending_claim = 0;
  }

  bool aggregating() {
    if (!s_.config->reporting.enabled || !allowed(s_.consent, Purpose::aggregate)) return false;
    roll_window();
    return true;
  }

 private:
  Result<json> open_record(const json& b64, bool& migrated) {
    auto bytes = base64_decode(b64.get<std::string>());
    if (!bytes) return make_error("", "not base64");
    // A record in the previous format opens, and is written back in the current one.
    migrated = snapshot_version(*bytes) != kSnapshotVersion;
    return open_snapshot(*bytes, s_.key);
  }

  bool restore_profile(const json& state) {
    if (!state.is_object()) return false;
    auto p = profile_state_from_json(state.value("profile", json::object()));
    if (!p.ok()) return false;
    s_.profile = std::move(p.value());
    if (const json* d = state.find_ptr("decide")) s_.decide = DecideState::from_json(*d);
    if (const json* w = state.find_ptr("window")) {
      auto window = WindowAccumulator::from_json(*w);
      if (window.ok()) s_.window = std::move(window.value());
    }
    s_.pending_report = string_field(state, "pendingReport");
    s_.pending_deadline = state.value("pendingDeadline", int64_t{0});
    s_.pending_claim = state.value("pendingClaim", int64_t{0});
    return true;
  }

  // A category switched off in another tab or a policy lapse deletes its data here too.
  bool enforce_consent_on_profile() { return enforce_consent(s_.profile, s_.consent); }

  // Cap and "not now" records past their time, or made from data the visitor
  // turned off, go like the profile items they stand for.
  bool prune_decide() {
    return prune_decide_state(
        s_.decide, s_.config->decide,
        [this](const std::string& path) {
          auto category = path_category(path);
          return category && !keeps_data(s_.consent, *category);
        },
        now_);
  }

  Result<bool> track_one(const json& e) {
    if (!e.is_object()) return make_error("", "event must be an object");
    std::string type = string_field(e, "type");
    const auto& cfg = *s_.config;
    if (type == "view") {
      const json* ids = e.find_ptr("interests");
      if (!ids || !ids->is_array() || ids->empty()) {
        return make_error("interests", "a view needs a list of interest ids, e.g. [\"hiking\"]");
      }
      bool known = false;
      for (size_t i = 0; i < ids->size(); ++i) {
        const json& id = (*ids)[i];
        if (!id.is_string()) return make_error(join_path("interests", i), "must be an interest id (a string)");
        known = known || cfg.taxonomy.find(id.get_ref<const std::string&>()) != nullptr;
      }
      // Unknown ids beside known ones are passed over; a view of none the
      // site declared is the owner's mistake, and says so.
      if (!known) {
        return make_error("interests", "'" + clipped((*ids)[0].get<std::string>()) + "' is not in the config's taxonomy");
      }
      ViewEvent view{string_list(*ids), string_field(e, "source", "track")};
      return ingest_view(s_.profile, view, s_.consent, cfg.taxonomy, cfg.profile, now_);
    }
    if (type == "visit") {
      // One per page load: what pagesPerVisit counts. Views are not pages
      // (a page may signal none, or track several).
      if (aggregating()) s_.window.observe_page_view(now_);
      record_visit(s_.profile, s_.consent, now_);
      return true;
    }
    if (type == "purchase") {
      PurchaseEvent p;
      p.category = string_field(e, "category");
      if (p.category.empty()) return make_error("category", "a purchase needs a category");
      // The site's mistake, said rather than dropped unseen ("Shoes", "running shoes").
      if (!is_slug(p.category)) {
        return make_error("category", "'" + clipped(p.category) +
                                          "' is not a category id (1-64 of a-z, 0-9, '-' and '_', e.g. \"trail-shoes\")");
      }
      if (const json* v = e.find_ptr("value"); v && v->is_number()) p.value = v->get<double>();
      p.item = string_field(e, "item");
      return ingest_purchase(s_.profile, p, s_.consent, cfg.taxonomy, cfg.profile, now_);
    }
    if (type == "conversion") {
      if (!aggregating()) return false;
      s_.window.observe_conversion();
      return true;
    }
    if (type == "click") {
      std::string slot = string_field(e, "slot");
      if (slot.empty()) return make_error("slot", "a click needs a slot");
      if (!aggregating()) return false;
      s_.window.observe_click(slot);
      return true;
    }
    return make_error("type", "unknown event type '" + type + "' (view, purchase, conversion, click)");
  }

  std::string random_hex(size_t bytes) {
    std::string raw(bytes, '\0');
    secure_random().fill(reinterpret_cast<uint8_t*>(raw.data()), raw.size());
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
    return out;
  }

  ReportInputs report_inputs() {
    ReportInputs in;
    for (Category c : {Category::interests, Category::purchases, Category::location, Category::occasions}) {
      if (allowed(s_.consent, c)) in.allowed_categories.insert(category_name(c));
    }
    double best = 0;
    for (const auto& interest : s_.config->taxonomy.interests) {
      auto score = allowed(s_.consent, Category::interests)
                       ? interest_score(s_.profile, interest.id, s_.config->profile, now_)
                       : std::nullopt;
      if (score && *score > best) {
        best = *score;
        in.top_interest = interest.id;
      }
    }
    return in;
  }

  EngineState& s_;
  int64_t now_;
  bool gesture_;
};

// One condition case (condition_case.hpp), compiled and evaluated as the
// config's rules are: the conformance suite in wasm runs through it.
std::string evaluate_condition(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed.ok()) return error_json("eval expects {condition, attributes?, savedGroups?}: " + parsed.error().message);
  auto outcome = evaluate_condition_case(*parsed);
  if (!outcome.ok()) return error_json(outcome.error());
  // As in GrowthBook, a condition that cannot be compiled matches nothing;
  // the problems are reported beside the result (a config load rejects them).
  JsonWriter w;
  w.begin_object();
  if (!outcome->problems.empty()) {
    w.key("problems").begin_array();
    for (const auto& e : outcome->problems) w.string(e.to_string());
    w.end_array();
  }
  return w.key("result").boolean(outcome->matches).end_object().take();
}

std::string hash(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed.ok() || !parsed->is_object()) return error_json("hash expects {seed, value, version}");
  auto h = growthbook_hash(string_field(*parsed, "seed"), string_field(*parsed, "value"), parsed->value("version", 2));
  return one_member("result", h ? json(*h) : json(nullptr));
}

}  // namespace

Engine::Engine() : state_(std::make_unique<EngineState>()) {}
Engine::~Engine() = default;

std::string Engine::call(std::string_view op, std::string_view input, int64_t now_ms, bool user_gesture) {
  Operations ops(*state_, now_ms, user_gesture);
  if (op == "init") return ops.init(input);
  if (op == "eval") return evaluate_condition(input);
  if (op == "hash") return hash(input);
  if (!state_->config) return error_json("not initialised: call init with a valid config first");

  json in = json::object();
  if (!input.empty()) {
    auto parsed = parse_json(input);
    if (!parsed.ok()) return error_json("input to " + std::string(op) + " is not valid JSON: " + parsed.error().message);
    in = std::move(parsed.value());
  }
  if (op == "load") return in.is_object() ? ops.load(in) : error_json("load expects an object");
  if (op == "save") return ops.save();
  if (op == "track") return ops.track(in);
  if (op == "decide") return in.is_object() ? ops.decide(in) : error_json("decide expects an object");
  if (op == "page") return in.is_object() ? ops.page(in) : error_json("page expects an object");
  if (op == "slots") return in.is_object() ? ops.add_slots(in) : error_json("slots expects an object");
  if (op == "explain") return ops.explain(in);
  if (op == "consent.get") return consent_to_json(state_->consent);
  if (op == "consent.set") return ops.consent_set(in);
  if (op == "consent.receipts") return consent_receipts(state_->consent);
  if (op == "invitation") {
    NoThanks no = read_no_thanks(in);
    bool due = should_invite(state_->consent, state_->config->consent, no.at_ms.value_or(-1),
                             no.policy ? *no.policy : std::string(), now_ms);
    return one_member("due", due);
  }
  if (op == "profile.view") return profile_view(state_->profile, state_->config->profile, now_ms);
  if (op == "profile.declare") return ops.declare_prefs(in);
  if (op == "profile.remove") return ops.remove(in);
  if (op == "profile.forget") return ops.forget();
  if (op == "profile.export") return ops.exported(in);
  if (op == "visit.ephemeral") {
    state_->ephemeral = in.value("on", true);
    return one_member("ephemeral", state_->ephemeral);
  }
  if (op == "notNow") return ops.not_now_slot(in);
  if (op == "compact") return ops.compact();
  if (op == "purge") return ops.purge();
  if (op == "shown") return in.is_object() ? ops.shown(in) : error_json("shown expects an object");
  if (op == "report") return ops.report(in);
  if (op == "report.hold") return ops.report_hold(in, false);
  if (op == "report.done") return ops.report_hold(in, true);
  return error_json("unknown operation '" + std::string(op) + "'");
}

const std::vector<int16_t>* Engine::decide_binary(int64_t now_ms) {
  if (!state_->config) return nullptr;
  Operations(*state_, now_ms, false).decide_binary(state_->binary);
  return &state_->binary;
}

}  // namespace tactful
