// The visitor's profile: what the site may remember to make pages relevant.
// Every item has a data category, a provenance (how and when it was learned)
// and an expiry from the config's retention for its category. Nothing enters
// unless consent allows it at that moment (minimize at ingest).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tactful/consent.hpp"
#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"
#include "tactful/result.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

constexpr int64_t kDayMs = 86400000;
inline int64_t day_of(int64_t ms) { return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs); }

// Config: root.profile {halfLifeDays, minEvidence, retentionDays: {interests,
// purchases, location, occasions}, maxItems, maxBytes, itemLevelPurchases}.
struct ProfileRules {
  double half_life_days = 30;
  double min_evidence = 2;
  int retention_interests = 180, retention_purchases = 365, retention_location = 365, retention_occasions = 365;
  size_t max_items = 500;
  size_t max_bytes = 64 * 1024;
  bool item_level_purchases = false;
};
ProfileRules parse_profile_rules(const json& root, Diagnostics& diag);
int retention_days(const ProfileRules&, Category);

struct Provenance {
  std::string source;  // "page", "track", "declared", "site"
  int64_t at_ms = 0;   // when it was first learned
};

// An inferred interest: a weight that halves every half-life, plus one per view.
struct InterestSignal {
  std::string id;
  double weight = 0;   // as of last_ms
  double evidence = 0; // views seen (never decays: it is how much we know, not how recent)
  int64_t last_ms = 0;
  Provenance provenance;
};

struct Declared {  // "I like" / "not for me"; overrides inference
  std::string id;
  bool like = true;
  Provenance provenance;
};

struct Visits {  // day granularity: counted at most once per UTC calendar day
  int64_t count = 0;
  int64_t first_day = 0, last_day = 0;
  Provenance provenance;
};

struct PurchaseSummary {
  std::string category;
  int64_t count = 0;
  int64_t last_day = 0;
  Provenance provenance;
};

struct PurchaseItem {  // only when the config enables item-level purchases
  uint64_t seq = 0;
  std::string category, item;
  std::optional<double> value;
  Provenance provenance;
};

struct Profile {
  std::vector<InterestSignal> interests;
  std::vector<Declared> declared;
  Visits visits;  // count 0 = none
  std::vector<PurchaseSummary> purchases;
  std::vector<PurchaseItem> purchase_items;
  uint64_t next_seq = 1;
  int birthday_month = 0;  // 0 = none
  Provenance birthday_provenance;
  std::string country, region;  // empty = none; region as "CC-SUB"
  Provenance location_provenance;
};

// Events, already parsed by the caller. `source` is the provenance.
struct ViewEvent {
  std::vector<std::string> interests;
  std::string source;
};
struct PurchaseEvent {
  std::string category;
  std::optional<double> value;
  std::string item;
};

// Each returns whether anything was stored; a disallowed category, an unknown
// or sensitive interest, or a disliked one is dropped before it is stored, and
// so is a purchase whose category is a sensitive class or a sensitive interest.
bool ingest_view(Profile&, const ViewEvent&, const Consent&, const Taxonomy&, const ProfileRules&, int64_t now_ms);
bool ingest_purchase(Profile&, const PurchaseEvent&, const Consent&, const Taxonomy&, const ProfileRules&,
                     int64_t now_ms);
// A purchase category the profile can hold: 1-64 of a-z, 0-9, '-', '_'.
bool is_slug(const std::string& s);
// Visits belong to the interests category (browsing behaviour).
void record_visit(Profile&, const Consent&, int64_t now_ms);
// tactful.profile.declare({likes?, dislikes?, occasions?: {birthdayMonth},
// location?: {country, region?}, source?: "visitor"|"site"}). All or nothing:
// validated first, errors carry paths. `source` is "declared" for the
// visitor, "site" when the site relays what the visitor told it (e.g. a
// shipping country); the declaration's own `source: "site"` says the same.
Status declare(Profile&, const json& declaration, const Consent&, const Taxonomy&, const ProfileRules&,
               int64_t now_ms, const std::string& source = "declared");

// Deletes what is past its retention. A time after now_ms (the visitor's
// clock ran ahead and was put right) counts as now_ms. True when anything changed.
bool purge_expired(Profile&, const ProfileRules&, int64_t now_ms);
// A stored profile read under the site's current config, which may have
// changed since it was written: what that config no longer lets the profile
// hold goes (interests the taxonomy dropped or now marks sensitive, with
// their likes and dislikes; purchases in a category that is now a sensitive
// interest; item-level purchases once the config stops asking for them), and
// bounds that shrank hold. True when anything went.
bool conform_to_config(Profile&, const Taxonomy&, const ProfileRules&);
// Within max_items and max_bytes (serialized state) by dropping the least
// valuable first: item-level purchases, then the weakest inferred interests,
// then the oldest purchase summaries, then the oldest declarations.
void enforce_bounds(Profile&, const ProfileRules&);
size_t item_count(const Profile&);
bool remove_item(Profile&, const std::string& item_id);
// Deletes what a category holds; true when it held anything.
bool clear_category(Profile&, Category);

// {interests: [...], purchases: [...], location: [...], occasions: [...]}, each
// item {id, category, kind, value, provenance: {source, at}, expires}; times ISO 8601 UTC.
std::string profile_view(const Profile&, const ProfileRules&, int64_t now_ms);  // JSON text
std::string profile_state_to_json(const Profile&);  // JSON text, as stored
Result<Profile> profile_state_from_json(const json&);

// Effective interest in [0,1]: 1 - 2^(-weight/4) after decay to now; 1 for a
// declared like; nullopt for a dislike or below the evidence minimum.
std::optional<double> interest_score(const Profile&, const std::string& id, const ProfileRules&, int64_t now_ms);

// "2025-03-01T12:00:00Z" (UTC), for views and exports.
std::string iso_time(int64_t ms);
struct CivilDate {
  int year, month, day;  // month 1..12, day 1..31
};
CivilDate civil_date(int64_t day);  // day = days since 1970-01-01

}  // namespace tactful
