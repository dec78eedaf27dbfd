// The visitor's consent: two purposes, four data categories, the browser's
// privacy signals, and a bounded local record (receipts) of every change.
// Every rule about what may be collected or used starts here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"
#include "tactful/result.hpp"

namespace tactful {

struct Profile;  // profile.hpp; consent changes delete data from it

enum class Category { interests, purchases, location, occasions };
enum class Purpose { personalization, aggregate };
enum class ConsentSource { default_, visitor, site_api, gpc, dnt };

const char* category_name(Category);
const char* purpose_name(Purpose);
const char* source_name(ConsentSource);
constexpr Category kCategories[] = {Category::interests, Category::purchases, Category::location,
                                    Category::occasions};

// Config: root.policyVersion, root.consent {personalizationDefault, reaskAfterDays,
// maxReceipts}, root.site.directedAtChildren.
struct ConsentRules {
  std::string policy_version;
  bool personalization_default = false;
  bool directed_at_children = false;
  int reask_after_days = 180;
  size_t max_receipts = 50;
  bool invite = true;  // invitation.enabled: the panel may offer personalization
};
ConsentRules parse_consent_rules(const json& root, Diagnostics& diag);

// What the browser says: navigator.globalPrivacyControl and Do Not Track.
struct Signals {
  bool gpc = false;
  bool dnt = false;
};

// One recorded change: when, under which policy, who caused it, and the
// resulting choices (the public consent shape) plus a short reason.
struct Receipt {
  int64_t at_ms = 0;
  std::string policy_version;
  ConsentSource source = ConsentSource::default_;
  std::string reason;
  std::string choices;  // consent_to_json() after the change (JSON text)
};

struct Consent {
  bool personalization = false;
  bool aggregate = false;
  // A category is a standing choice; it is used only while personalization is on.
  bool interests = true;
  bool purchases = false;
  bool location = false;
  bool occasions = false;
  Signals signals;
  std::string policy_version;  // the policy the current choices were made under
  bool directed_at_children = false;
  // The visitor turned aggregate on themself, which overrides GPC/DNT.
  bool aggregate_by_visitor = false;
  int64_t visitor_chose_ms = -1;  // last explicit change by the visitor (or site UI), -1 never
  size_t max_receipts = 50;
  std::vector<Receipt> receipts;
};

Consent initial_consent(const ConsentRules&, Signals, int64_t now_ms);
// On load: applies current signals, the site's children flag and the policy
// version. A material policy change lapses the purposes granted under the old
// one (back to the config defaults) and records why.
void refresh_consent(Consent&, const ConsentRules&, Signals, int64_t now_ms);
// tactful.consent.set({purposes?, categories?}): merges. Withdrawals always
// apply. Grants apply together or not at all: each needs a user gesture, and
// with GPC/DNT on only the visitor (ConsentSource::visitor) may grant
// aggregate; a refused grant is the error, and the change's withdrawals are
// still applied (`*withdrawn` tells whether any were). A malformed change
// changes nothing. Turning a category off deletes its data from `profile`.
Status apply_consent_change(Consent&, Profile&, const json& change, ConsentSource source,
                            bool user_gesture, int64_t now_ms, bool* withdrawn = nullptr);
// Deletes stored data of every category that is off (call after load, so a
// snapshot can never hold more than consent allows); true when it deleted any.
bool enforce_consent(Profile&, const Consent&);

bool allowed(const Consent&, Purpose);
// Whether data of this category may be kept at all (paused or not): the
// category is on and the site is not directed at children.
bool keeps_data(const Consent&, Category);
// Category on, personalization on, and not a site directed at children.
bool allowed(const Consent&, Category);
// Whether the site should ask again: never chosen, chosen under an older
// policy, or the last choice is older than reask_after_days.
bool should_ask(const Consent&, const ConsentRules&, int64_t now_ms);
// Whether the panel offers personalization now: the site invites (and is
// not directed at children), personalization is off, should_ask holds, and
// the visitor's "No thanks" (kept by the page, -1 for none) was not under
// this policy within reask_after_days.
bool should_invite(const Consent&, const ConsentRules&, int64_t dismissed_ms, const std::string& dismissed_policy,
                   int64_t now_ms);

// The public shape of tactful.consent.get(), as JSON text.
std::string consent_to_json(const Consent&);
// [{at, policyVersion, source, reason, choices}], oldest first, as JSON text.
std::string consent_receipts(const Consent&);
// Full state for the consent's own sealed record.
std::string consent_state_to_json(const Consent&);  // JSON text, as stored
Result<Consent> consent_state_from_json(const json&);

// What forget() may keep: every purpose off, every category off, and one
// receipt that the visitor chose to forget (so a site defaulting
// personalization on cannot silently start again). No profile data.
Consent forgotten_consent(const ConsentRules&, Signals, int64_t now_ms);

// Records a receipt (bounded: the oldest are dropped first). Used by forget():
// the only thing that may survive it is a receipt saying the visitor chose it.
void add_receipt(Consent&, ConsentSource, std::string reason, int64_t now_ms);

}  // namespace tactful
