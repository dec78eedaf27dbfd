#include "tactful/profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tactful/ascii.hpp"
#include "tactful/config_read.hpp"
#include "tactful/json_writer.hpp"

namespace tactful {

namespace {

// Every assigned ISO 3166-1 alpha-2 code, in order.
const char kCountries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCV"
    "CWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIM"
    "INIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMW"
    "MXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSS"
    "STSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

bool is_country(const std::string& s) {
  if (s.size() != 2) return false;
  for (size_t i = 0; i + 1 < sizeof(kCountries); i += 2)
    if (kCountries[i] == s[0] && kCountries[i + 1] == s[1]) return true;
  return false;
}


bool is_upper_alnum(const std::string& s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return !s.empty();
}

double decayed(double weight, int64_t from_ms, int64_t to_ms, const ProfileRules& r) {
  double dt = double(std::max<int64_t>(0, to_ms - from_ms));
  return weight * std::exp2(-dt / (r.half_life_days * double(kDayMs)));
}

int64_t days_ms(int days) { return int64_t(days) * kDayMs; }

const Declared* find_declared(const Profile& p, const std::string& id) {
  for (const auto& d : p.declared)
    if (d.id == id) return &d;
  return nullptr;
}

void append_2(std::string& out, int v) {
  out += char('0' + v / 10);
  out += char('0' + v % 10);
}

std::string iso_day(int64_t day) {
  CivilDate d = civil_date(day);
  std::string out = std::to_string(d.year) + "-";
  append_2(out, d.month);
  out += '-';
  append_2(out, d.day);
  return out;
}

// Reads fields of one stored object; the first problem wins.
struct Fields {
  const json& o;
  std::string path;
  Error& err;
  const json* get(const char* k, bool ok_type, const char* msg) {
    const json* it = o.find_ptr(k);
    if (!it || !ok_type) {
      if (err.message.empty()) err = Error{join_path(path, k), msg};
      return nullptr;
    }
    return it;
  }
  bool has(const char* k, bool (json::*pred)() const) {
    const json* it = o.find_ptr(k);
    return it && (it->*pred)();
  }
  int64_t i(const char* k) {
    const json* v = get(k, has(k, &json::is_number_integer), "must be an integer");
    return v ? v->get<int64_t>() : 0;
  }
  double d(const char* k) {
    const json* v = get(k, has(k, &json::is_number), "must be a number");
    double x = v ? v->get<double>() : 0;
    if (v && (!std::isfinite(x) || x < 0)) get(k, false, "must be a finite number >= 0");
    return x;
  }
  std::string s(const char* k) {
    const json* v = get(k, has(k, &json::is_string), "must be a string");
    return v ? v->get<std::string>() : std::string();
  }
  bool b(const char* k) {
    const json* v = get(k, has(k, &json::is_boolean), "must be true or false");
    return v ? v->get<bool>() : false;
  }
  Provenance prov() { return Provenance{s("src"), i("at")}; }
};

}  // namespace

CivilDate civil_date(int64_t day) {
  // Days since 1970-01-01 to a proleptic Gregorian date, in 400-year eras.
  int64_t z = day + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = int(doy - (153 * mp + 2) / 5 + 1);
  int m = int(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{int(yoe + era * 400 + (m <= 2)), m, d};
}

std::string iso_time(int64_t ms) {
  int64_t day = day_of(ms);
  int64_t s = (ms - day * kDayMs) / 1000;
  std::string out = iso_day(day) + "T";
  append_2(out, int(s / 3600));
  out += ':';
  append_2(out, int(s / 60 % 60));
  out += ':';
  append_2(out, int(s % 60));
  return out + "Z";
}

ProfileRules parse_profile_rules(const json& root, Diagnostics& diag) {
  ProfileRules r;
  if (!root.is_object()) return r;
  const json* p = root.find_ptr("profile");
  if (!p) return r;
  if (!p->is_object()) {
    diag.error("profile", "must be an object");
    return r;
  }
  auto number = [&](const json& obj, const std::string& base, const char* key, double lo, double hi, bool integer,
                    double& out) {
    const json* it = obj.find_ptr(key);
    if (!it) return;
    double v = it->is_number() ? it->get<double>() : NAN;
    if (!(v >= lo && v <= hi) || (integer && !whole_number(*it))) {
      diag.error(join_path(base, key), std::string("must be ") + (integer ? "an integer " : "a number ") +
                                           std::to_string(int64_t(lo)) + ".." + std::to_string(int64_t(hi)));
      return;
    }
    out = v;
  };
  check_keys(*p, "profile", "halfLifeDays minEvidence retentionDays maxItems maxBytes itemLevelPurchases",
             "unknown key (expected halfLifeDays, minEvidence, retentionDays, maxItems, maxBytes, itemLevelPurchases)",
             diag);
  double v = r.half_life_days;
  number(*p, "profile", "halfLifeDays", 1, 3650, false, v);
  r.half_life_days = v;
  v = r.min_evidence;
  number(*p, "profile", "minEvidence", 1, 1000, false, v);
  r.min_evidence = v;
  v = double(r.max_items);
  number(*p, "profile", "maxItems", 10, 10000, true, v);
  r.max_items = size_t(v);
  v = double(r.max_bytes);
  number(*p, "profile", "maxBytes", 4096, 1048576, true, v);
  r.max_bytes = size_t(v);
  const json* il = p->find_ptr("itemLevelPurchases");
  if (il) {
    if (il->is_boolean())
      r.item_level_purchases = il->get<bool>();
    else
      diag.error("profile.itemLevelPurchases", "must be true or false");
  }
  const json* rd = p->find_ptr("retentionDays");
  if (rd) {
    if (!rd->is_object()) {
      diag.error("profile.retentionDays", "must be an object {interests, purchases, location, occasions}");
    } else {
      int* slots[] = {&r.retention_interests, &r.retention_purchases, &r.retention_location, &r.retention_occasions};
      for (auto it = rd->begin(); it != rd->end(); ++it) {
        int index = -1;
        for (Category c : kCategories)
          if (it.key() == category_name(c)) index = int(c);
        if (index < 0) {
          diag.error(join_path("profile.retentionDays", it.key()),
                     "unknown category (expected interests, purchases, location, occasions)");
          continue;
        }
        v = *slots[index];
        number(*rd, "profile.retentionDays", it.key().c_str(), 1, 3650, true, v);
        *slots[index] = int(v);
      }
    }
  }
  return r;
}

int retention_days(const ProfileRules& r, Category c) {
  switch (c) {
    case Category::interests: return r.retention_interests;
    case Category::purchases: return r.retention_purchases;
    case Category::location: return r.retention_location;
    case Category::occasions: return r.retention_occasions;
  }
  return r.retention_interests;
}

std::optional<double> interest_score(const Profile& p, const std::string& id, const ProfileRules& r,
                                     int64_t now_ms) {
  if (const Declared* d = find_declared(p, id)) {
    if (now_ms < d->provenance.at_ms + days_ms(r.retention_interests))
      return d->like ? std::optional<double>(1.0) : std::nullopt;
  }
  for (const auto& s : p.interests) {
    if (s.id != id) continue;
    if (s.evidence < r.min_evidence || now_ms >= s.last_ms + days_ms(r.retention_interests)) return std::nullopt;
    return 1.0 - std::exp2(-decayed(s.weight, s.last_ms, now_ms, r) / 4.0);
  }
  return std::nullopt;
}

bool ingest_view(Profile& p, const ViewEvent& e, const Consent& c, const Taxonomy& tax, const ProfileRules& r,
                 int64_t now_ms) {
  if (!allowed(c, Category::interests)) return false;
  bool stored = false;
  for (size_t i = 0; i < e.interests.size(); ++i) {
    const std::string& id = e.interests[i];
    if (!tax.usable(id)) continue;  // unknown or sensitive: never stored
    if (std::find(e.interests.begin(), e.interests.begin() + long(i), id) != e.interests.begin() + long(i)) continue;
    const Declared* d = find_declared(p, id);
    if (d && !d->like) continue;  // "not for me" wins over anything inferred
    auto it = std::find_if(p.interests.begin(), p.interests.end(), [&](const InterestSignal& s) { return s.id == id; });
    if (it == p.interests.end()) {
      p.interests.push_back(InterestSignal{id, 0, 0, now_ms, Provenance{e.source.empty() ? "page" : e.source, now_ms}});
      it = p.interests.end() - 1;
    }
    it->weight = decayed(it->weight, it->last_ms, now_ms, r) + 1.0;
    it->evidence += 1;
    it->last_ms = std::max(it->last_ms, now_ms);
    stored = true;
  }
  if (stored && item_count(p) > r.max_items) enforce_bounds(p, r);
  return stored;
}

// Purchase categories are the site's own slugs: short, lowercase, no free text
// (free text is where personal details sneak in).
bool is_slug(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

bool ingest_purchase(Profile& p, const PurchaseEvent& e, const Consent& c, const Taxonomy& tax, const ProfileRules& r,
                     int64_t now_ms) {
  if (!allowed(c, Category::purchases) || !is_slug(e.category) || is_sensitive_class(e.category)) return false;
  if (tax.sensitive_category(e.category)) return false;
  auto it = std::find_if(p.purchases.begin(), p.purchases.end(),
                         [&](const PurchaseSummary& s) { return s.category == e.category; });
  if (it == p.purchases.end()) {
    p.purchases.push_back(PurchaseSummary{e.category, 0, day_of(now_ms), Provenance{"track", now_ms}});
    it = p.purchases.end() - 1;
  }
  it->count += 1;
  it->last_day = std::max(it->last_day, day_of(now_ms));
  // Item names and amounts are kept only when the site asked for them; the
  // summary is what targeting needs.
  if (r.item_level_purchases && !e.item.empty() && e.item.size() <= 128) {
    std::optional<double> value;
    if (e.value && std::isfinite(*e.value) && *e.value >= 0) value = e.value;
    p.purchase_items.push_back(PurchaseItem{p.next_seq++, e.category, e.item, value, Provenance{"track", now_ms}});
  }
  if (item_count(p) > r.max_items) enforce_bounds(p, r);
  return true;
}

void record_visit(Profile& p, const Consent& c, int64_t now_ms) {
  if (!allowed(c, Category::interests)) return;
  int64_t day = day_of(now_ms);
  if (p.visits.count == 0) {
    p.visits = Visits{1, day, day, Provenance{"page", now_ms}};
  } else if (day > p.visits.last_day) {
    p.visits.count += 1;
    p.visits.last_day = day;
  }
}

Status declare(Profile& p, const json& decl, const Consent& c, const Taxonomy& tax, const ProfileRules& r,
               int64_t now_ms, const std::string& source) {
  (void)r;
  if (!decl.is_object()) return make_error("", "declaration must be an object {likes?, dislikes?, occasions?, location?}");
  // Validate everything first: a declaration is stored whole or not at all.
  std::vector<std::pair<std::string, bool>> prefs;
  int month = 0;
  std::string country, region, by = source;
  for (auto it = decl.begin(); it != decl.end(); ++it) {
    const std::string& key = it.key();
    if (key == "source") {
      // The page says who is declaring: the visitor, or the site relaying
      // what the visitor told it (a shipping country). Provenance shows it.
      std::string v = it->is_string() ? it->get<std::string>() : std::string();
      if (v != "visitor" && v != "site") return make_error(key, "must be \"visitor\" or \"site\"");
      if (v == "site") by = v;
    } else if (key == "likes" || key == "dislikes") {
      if (!it->is_array() || it->size() > 100) return make_error(key, "must be an array of at most 100 interest ids");
      if (!allowed(c, Category::interests))
        return coded(make_error(key, "not stored: the interests category or personalization is off"), "category-off");
      for (size_t i = 0; i < it->size(); ++i) {
        const json& v = (*it)[i];
        std::string path = join_path(key, i);
        if (!v.is_string()) return make_error(path, "must be a string");
        const std::string& id = v.get_ref<const std::string&>();
        const Interest* known = tax.find(id);
        if (!known) return coded(make_error(path, "unknown interest '" + id + "'"), "unknown-interest");
        if (!known->sensitive.empty())
          return coded(make_error(path, "'" + id + "' is a sensitive interest and is never stored"), "sensitive-interest");
        for (const auto& pr : prefs)
          if (pr.first == id && pr.second != (key == "likes"))
            return coded(make_error(path, "'" + id + "' is in both likes and dislikes"), "like-and-dislike");
        prefs.emplace_back(id, key == "likes");
      }
    } else if (key == "occasions") {
      if (!it->is_object()) return make_error(key, "must be an object {birthdayMonth}");
      if (!allowed(c, Category::occasions))
        return coded(make_error(key, "not stored: the occasions category or personalization is off"), "category-off");
      for (auto o = it->begin(); o != it->end(); ++o) {
        if (o.key() != "birthdayMonth") return make_error(join_path(key, o.key()), "unknown key (expected birthdayMonth)");
        std::optional<int64_t> m = whole_number(*o);
        if (!m || *m < 1 || *m > 12)
          return coded(make_error("occasions.birthdayMonth", "must be an integer 1..12"), "invalid-month");
        month = int(*m);
      }
    } else if (key == "location") {
      if (!it->is_object()) return make_error(key, "must be an object {country, region?}");
      if (!allowed(c, Category::location))
        return coded(make_error(key, "not stored: the location category or personalization is off"), "category-off");
      for (auto o = it->begin(); o != it->end(); ++o)
        if (o.key() != "country" && o.key() != "region")
          return make_error(join_path(key, o.key()), "unknown key (expected country, region)");
      const json* cc = it->find_ptr("country");
      // Codes are case-insensitive as people type them ("es", "us-ca"); kept upper case.
      if (cc && cc->is_string()) country = ascii_upper(cc->get<std::string>());
      if (!is_country(country))
        return coded(make_error("location.country", "must be an ISO 3166-1 alpha-2 code"), "invalid-country");
      const json* rg = it->find_ptr("region");
      if (rg) {
        std::string sub = rg->is_string() ? ascii_upper(rg->get<std::string>()) : std::string();
        if (sub.compare(0, 3, country + "-") == 0) sub = sub.substr(3);
        if (sub.size() > 3 || !is_upper_alnum(sub))
          return coded(make_error("location.region",
                                  "must be an ISO 3166-2 subdivision code such as '" + country + "-XX'"),
                       "invalid-region");
        region = country + "-" + sub;
      }
    } else {
      return make_error(key, "unknown key (expected likes, dislikes, occasions, location, source)");
    }
  }

  Provenance prov{by.empty() ? "declared" : by, now_ms};
  for (const auto& pr : prefs) {
    p.declared.erase(std::remove_if(p.declared.begin(), p.declared.end(),
                                    [&](const Declared& d) { return d.id == pr.first; }),
                     p.declared.end());
    p.declared.push_back(Declared{pr.first, pr.second, prov});
    // "Not for me" also forgets what was inferred about it.
    if (!pr.second)
      p.interests.erase(std::remove_if(p.interests.begin(), p.interests.end(),
                                       [&](const InterestSignal& s) { return s.id == pr.first; }),
                        p.interests.end());
  }
  if (month) {
    p.birthday_month = month;
    p.birthday_provenance = prov;
  }
  if (!country.empty()) {
    p.country = country;
    p.region = region;
    p.location_provenance = prov;
  }
  return ok_status();
}

namespace {

// A time after now was written while the visitor's clock ran ahead, and the
// clock has since been put right: it counts as now, so no item outlives its
// retention by the clock's error and no "days since" comes out negative.
bool settle_future_times(Profile& p, int64_t now_ms) {
  int64_t today = day_of(now_ms);
  bool settled = false;
  auto ms = [&](int64_t& t) { settled = settled || t > now_ms, t = std::min(t, now_ms); };
  auto day = [&](int64_t& d) { settled = settled || d > today, d = std::min(d, today); };
  for (auto& s : p.interests) ms(s.last_ms), ms(s.provenance.at_ms);
  for (auto& d : p.declared) ms(d.provenance.at_ms);
  day(p.visits.first_day), day(p.visits.last_day), ms(p.visits.provenance.at_ms);
  for (auto& s : p.purchases) day(s.last_day), ms(s.provenance.at_ms);
  for (auto& i : p.purchase_items) ms(i.provenance.at_ms);
  ms(p.birthday_provenance.at_ms);
  ms(p.location_provenance.at_ms);
  return settled;
}

}  // namespace

bool purge_expired(Profile& p, const ProfileRules& r, int64_t now_ms) {
  bool settled = settle_future_times(p, now_ms);
  size_t before = item_count(p);
  int64_t ri = days_ms(r.retention_interests), rp = days_ms(r.retention_purchases);
  auto gone = [&](int64_t at, int64_t keep) { return now_ms >= at + keep; };
  p.interests.erase(std::remove_if(p.interests.begin(), p.interests.end(),
                                   [&](const InterestSignal& s) { return gone(s.last_ms, ri); }),
                    p.interests.end());
  p.declared.erase(std::remove_if(p.declared.begin(), p.declared.end(),
                                  [&](const Declared& d) { return gone(d.provenance.at_ms, ri); }),
                   p.declared.end());
  if (p.visits.count && gone(p.visits.last_day * kDayMs, ri)) p.visits = Visits{};
  p.purchases.erase(std::remove_if(p.purchases.begin(), p.purchases.end(),
                                   [&](const PurchaseSummary& s) { return gone(s.last_day * kDayMs, rp); }),
                    p.purchases.end());
  p.purchase_items.erase(std::remove_if(p.purchase_items.begin(), p.purchase_items.end(),
                                        [&](const PurchaseItem& i) { return gone(i.provenance.at_ms, rp); }),
                         p.purchase_items.end());
  if (p.birthday_month && gone(p.birthday_provenance.at_ms, days_ms(r.retention_occasions))) {
    p.birthday_month = 0;
    p.birthday_provenance = Provenance{};
  }
  if (!p.country.empty() && gone(p.location_provenance.at_ms, days_ms(r.retention_location))) {
    p.country.clear();
    p.region.clear();
    p.location_provenance = Provenance{};
  }
  return settled || item_count(p) != before;
}

bool conform_to_config(Profile& p, const Taxonomy& tax, const ProfileRules& r) {
  size_t before = item_count(p);
  auto unusable = [&](const std::string& id) { return !tax.usable(id); };
  p.interests.erase(std::remove_if(p.interests.begin(), p.interests.end(),
                                   [&](const InterestSignal& s) { return unusable(s.id); }),
                    p.interests.end());
  p.declared.erase(std::remove_if(p.declared.begin(), p.declared.end(), [&](const Declared& d) { return unusable(d.id); }),
                   p.declared.end());
  // A category named like a sensitive interest says as much as viewing it (as at ingest).
  auto sensitive = [&](const std::string& category) { return tax.sensitive_category(category) != nullptr; };
  p.purchases.erase(std::remove_if(p.purchases.begin(), p.purchases.end(),
                                   [&](const PurchaseSummary& s) { return sensitive(s.category); }),
                    p.purchases.end());
  p.purchase_items.erase(std::remove_if(p.purchase_items.begin(), p.purchase_items.end(),
                                        [&](const PurchaseItem& i) { return !r.item_level_purchases || sensitive(i.category); }),
                         p.purchase_items.end());
  enforce_bounds(p, r);
  return item_count(p) != before;
}

size_t item_count(const Profile& p) {
  return p.interests.size() + p.declared.size() + p.purchases.size() + p.purchase_items.size() +
         (p.visits.count ? 1 : 0) + (p.birthday_month ? 1 : 0) + (p.country.empty() ? 0 : 1);
}

namespace {

// Removes the one least valuable item; false when nothing is left.
bool drop_least_valuable(Profile& p, const ProfileRules& r) {
  if (!p.purchase_items.empty()) {
    auto it = std::min_element(p.purchase_items.begin(), p.purchase_items.end(), [](auto& a, auto& b) {
      return a.provenance.at_ms < b.provenance.at_ms;
    });
    p.purchase_items.erase(it);
    return true;
  }
  if (!p.interests.empty()) {
    int64_t ref = 0;
    for (const auto& s : p.interests) ref = std::max(ref, s.last_ms);
    auto it = std::min_element(p.interests.begin(), p.interests.end(), [&](auto& a, auto& b) {
      double va = decayed(a.weight, a.last_ms, ref, r), vb = decayed(b.weight, b.last_ms, ref, r);
      return va != vb ? va < vb : a.last_ms < b.last_ms;
    });
    p.interests.erase(it);
    return true;
  }
  if (!p.purchases.empty()) {
    p.purchases.erase(std::min_element(p.purchases.begin(), p.purchases.end(),
                                       [](auto& a, auto& b) { return a.last_day < b.last_day; }));
    return true;
  }
  if (!p.declared.empty()) {
    p.declared.erase(std::min_element(p.declared.begin(), p.declared.end(), [](auto& a, auto& b) {
      return a.provenance.at_ms < b.provenance.at_ms;
    }));
    return true;
  }
  if (p.visits.count) return p.visits = Visits{}, true;
  if (p.birthday_month) return clear_category(p, Category::occasions), true;
  if (!p.country.empty()) return clear_category(p, Category::location), true;
  return false;
}

}  // namespace

void enforce_bounds(Profile& p, const ProfileRules& r) {
  while (item_count(p) > r.max_items && drop_least_valuable(p, r)) {
  }
  for (;;) {
    size_t bytes = profile_state_to_json(p).size(), n = item_count(p);
    if (bytes <= r.max_bytes || n == 0) break;
    // Drop roughly enough items at once instead of re-serializing per item.
    size_t per_item = std::max<size_t>(1, bytes / n);
    size_t drop = (bytes - r.max_bytes) / per_item + 1;
    while (drop-- && drop_least_valuable(p, r)) {
    }
  }
}

bool clear_category(Profile& p, Category c) {
  bool held = false;
  switch (c) {
    case Category::interests:
      held = !p.interests.empty() || !p.declared.empty() || p.visits.count != 0;
      p.interests.clear();
      p.declared.clear();
      p.visits = Visits{};
      break;
    case Category::purchases:
      held = !p.purchases.empty() || !p.purchase_items.empty();
      p.purchases.clear();
      p.purchase_items.clear();
      break;
    case Category::location:
      held = !p.country.empty() || !p.region.empty();
      p.country.clear();
      p.region.clear();
      p.location_provenance = Provenance{};
      break;
    case Category::occasions:
      held = p.birthday_month != 0;
      p.birthday_month = 0;
      p.birthday_provenance = Provenance{};
      break;
  }
  return held;
}

bool remove_item(Profile& p, const std::string& id) {
  auto erase_where = [](auto& v, auto pred) {
    auto before = v.size();
    v.erase(std::remove_if(v.begin(), v.end(), pred), v.end());
    return v.size() != before;
  };
  auto after = [&](const char* prefix) -> const char* {
    size_t n = std::strlen(prefix);
    return id.compare(0, n, prefix) == 0 ? id.c_str() + n : nullptr;
  };
  if (const char* k = after("interest:")) return erase_where(p.interests, [&](auto& s) { return s.id == k; });
  if (const char* k = after("like:"))
    return erase_where(p.declared, [&](auto& d) { return d.like && d.id == k; });
  if (const char* k = after("dislike:"))
    return erase_where(p.declared, [&](auto& d) { return !d.like && d.id == k; });
  if (const char* k = after("purchases:")) return erase_where(p.purchases, [&](auto& s) { return s.category == k; });
  if (const char* k = after("purchase:"))
    return erase_where(p.purchase_items, [&](auto& i) { return std::to_string(i.seq) == k; });
  if (id == "visits" && p.visits.count) return p.visits = Visits{}, true;
  if (id == "birthdayMonth" && p.birthday_month) return clear_category(p, Category::occasions), true;
  if (id == "location" && !p.country.empty()) return clear_category(p, Category::location), true;
  return false;
}

// Written directly: the categories and each item's keys in byte order, as
// json::dump() ordered them when this was built as a json value.
std::string profile_view(const Profile& p, const ProfileRules& r, int64_t now_ms) {
  JsonWriter w;
  // Writes an item's members up to "value", whose value the caller writes
  // next (and then closes the item); false when the item has expired, which
  // is as good as gone, even before the next purge.
  auto item = [&](Category c, const std::string& id, const char* kind, const Provenance& prov, int64_t expires,
                  const char* use = nullptr) {
    if (now_ms >= expires) return false;
    w.begin_object().key("category").string(category_name(c)).key("expires").string(iso_time(expires));
    w.key("id").string(id).key("kind").string(kind).key("provenance").begin_object();
    w.key("at").string(iso_time(prov.at_ms)).key("source").string(prov.source).end_object();
    if (use) w.key("use").string(use);
    w.key("value");
    return true;
  };
  int64_t ri = days_ms(r.retention_interests), rp = days_ms(r.retention_purchases);
  w.begin_object().key("interests").begin_array();
  for (const auto& s : p.interests) {
    if (!item(Category::interests, "interest:" + s.id, "inferred-interest", s.provenance, s.last_ms + ri)) continue;
    double score = 1.0 - std::exp2(-decayed(s.weight, s.last_ms, now_ms, r) / 4.0);
    w.begin_object().key("evidence").number(s.evidence).key("interest").string(s.id);
    w.key("score").number(std::round(score * 100) / 100);
    w.key("usedForTargeting").boolean(s.evidence >= r.min_evidence && !find_declared(p, s.id));
    w.end_object().end_object();
  }
  for (const auto& d : p.declared) {
    if (item(Category::interests, (d.like ? "like:" : "dislike:") + d.id, d.like ? "like" : "dislike", d.provenance,
             d.provenance.at_ms + ri)) {
      w.string(d.id).end_object();
    }
  }
  if (p.visits.count && item(Category::interests, "visits", "visits", p.visits.provenance,
                             p.visits.last_day * kDayMs + ri)) {
    w.begin_object().key("count").integer(p.visits.count).key("firstVisit").string(iso_day(p.visits.first_day));
    w.key("lastVisit").string(iso_day(p.visits.last_day)).end_object().end_object();
  }
  w.end_array().key("location").begin_array();
  if (!p.country.empty() &&
      item(Category::location, "location", "location", p.location_provenance,
           p.location_provenance.at_ms + days_ms(r.retention_location),
           "to show what applies where you are (shipping, currency, local offers)")) {
    w.begin_object().key("country").string(p.country);
    if (!p.region.empty()) w.key("region").string(p.region);
    w.end_object().end_object();
  }
  w.end_array().key("occasions").begin_array();
  if (p.birthday_month &&
      item(Category::occasions, "birthdayMonth", "birthday-month", p.birthday_provenance,
           p.birthday_provenance.at_ms + days_ms(r.retention_occasions),
           "only to tell whether it is your birthday month now, e.g. for a birthday greeting")) {
    w.integer(p.birthday_month).end_object();
  }
  w.end_array().key("purchases").begin_array();
  for (const auto& s : p.purchases) {
    if (!item(Category::purchases, "purchases:" + s.category, "purchases", s.provenance, s.last_day * kDayMs + rp)) {
      continue;
    }
    w.begin_object().key("category").string(s.category).key("count").integer(s.count);
    w.key("lastPurchase").string(iso_day(s.last_day)).end_object().end_object();
  }
  for (const auto& i : p.purchase_items) {
    if (!item(Category::purchases, "purchase:" + std::to_string(i.seq), "purchase", i.provenance,
              i.provenance.at_ms + rp)) {
      continue;
    }
    w.begin_object().key("category").string(i.category).key("item").string(i.item);
    if (i.value) w.key("value").number(*i.value);
    w.end_object().end_object();
  }
  return w.end_array().end_object().take();
}

// Written directly, each object's keys in byte order: the bytes json::dump()
// gave when this was built as a json value, so stored records keep their form.
std::string profile_state_to_json(const Profile& p) {
  JsonWriter w;
  auto at = [&w](const Provenance& prov) { w.key("at").integer(prov.at_ms); };
  auto src = [&w](const Provenance& prov) { w.key("src").string(prov.source); };
  w.begin_object();
  if (p.birthday_month) {
    w.key("birthday").begin_object();
    at(p.birthday_provenance);
    w.key("month").integer(p.birthday_month);
    src(p.birthday_provenance);
    w.end_object();
  }
  w.key("declared").begin_array();
  for (const auto& d : p.declared) {
    w.begin_object();
    at(d.provenance);
    w.key("id").string(d.id).key("like").boolean(d.like);
    src(d.provenance);
    w.end_object();
  }
  w.end_array().key("interests").begin_array();
  for (const auto& s : p.interests) {
    w.begin_object();
    at(s.provenance);
    w.key("e").number(s.evidence).key("id").string(s.id).key("last").integer(s.last_ms);
    src(s.provenance);
    w.key("w").number(s.weight).end_object();
  }
  w.end_array().key("items").begin_array();
  for (const auto& i : p.purchase_items) {
    w.begin_object();
    at(i.provenance);
    w.key("cat").string(i.category).key("item").string(i.item).key("seq").value(json(i.seq));
    src(i.provenance);
    if (i.value) w.key("value").number(*i.value);
    w.end_object();
  }
  w.end_array();
  if (!p.country.empty()) {
    w.key("location").begin_object();
    at(p.location_provenance);
    w.key("country").string(p.country).key("region").string(p.region);
    src(p.location_provenance);
    w.end_object();
  }
  w.key("purchases").begin_array();
  for (const auto& s : p.purchases) {
    w.begin_object();
    at(s.provenance);
    w.key("cat").string(s.category).key("count").integer(s.count).key("last").integer(s.last_day);
    src(s.provenance);
    w.end_object();
  }
  w.end_array().key("seq").value(json(p.next_seq)).key("v").integer(1);
  if (p.visits.count) {
    w.key("visits").begin_object();
    at(p.visits.provenance);
    w.key("count").integer(p.visits.count).key("first").integer(p.visits.first_day).key("last").integer(p.visits.last_day);
    src(p.visits.provenance);
    w.end_object();
  }
  return w.end_object().take();
}

Result<Profile> profile_state_from_json(const json& j) {
  if (!j.is_object()) return make_error("", "profile state must be an object");
  const json* v = j.find_ptr("v");
  if (!v || !v->is_number_integer() || v->get<int64_t>() != 1)
    return make_error("v", "unsupported profile state version");
  Profile p;
  Error err;
  auto list = [&](const char* key, auto each) {
    const json* it = j.find_ptr(key);
    if (!it || !it->is_array()) {
      if (err.message.empty()) err = Error{key, "must be an array"};
      return;
    }
    for (size_t i = 0; i < it->size() && err.message.empty(); ++i) {
      const json& o = (*it)[i];
      std::string path = join_path(key, i);
      if (!o.is_object()) {
        err = Error{path, "must be an object"};
        return;
      }
      Fields f{o, path, err};
      each(f);
    }
  };
  list("interests", [&](Fields& f) {
    InterestSignal s{f.s("id"), f.d("w"), f.d("e"), f.i("last"), Provenance{}};
    s.provenance = f.prov();
    p.interests.push_back(std::move(s));
  });
  list("declared", [&](Fields& f) {
    Declared d{f.s("id"), f.b("like"), Provenance{}};
    d.provenance = f.prov();
    p.declared.push_back(std::move(d));
  });
  list("purchases", [&](Fields& f) {
    PurchaseSummary s{f.s("cat"), f.i("count"), f.i("last"), Provenance{}};
    s.provenance = f.prov();
    p.purchases.push_back(std::move(s));
  });
  list("items", [&](Fields& f) {
    PurchaseItem item{uint64_t(f.i("seq")), f.s("cat"), f.s("item"), std::nullopt, f.prov()};
    if (f.o.contains("value")) item.value = f.d("value");
    p.purchase_items.push_back(std::move(item));
  });
  Fields top{j, "", err};
  p.next_seq = uint64_t(top.i("seq"));
  if (j.contains("visits")) {
    Fields f{j["visits"], "visits", err};
    if (j["visits"].is_object()) p.visits = Visits{f.i("count"), f.i("first"), f.i("last"), f.prov()};
    else if (err.message.empty()) err = Error{"visits", "must be an object"};
  }
  if (j.contains("birthday")) {
    Fields f{j["birthday"], "birthday", err};
    int64_t m = j["birthday"].is_object() ? f.i("month") : 0;
    if (err.message.empty() && (m < 1 || m > 12)) err = Error{"birthday.month", "must be an integer 1..12"};
    p.birthday_month = int(m);
    if (err.message.empty()) p.birthday_provenance = f.prov();
  }
  if (j.contains("location")) {
    Fields f{j["location"], "location", err};
    if (j["location"].is_object()) {
      p.country = f.s("country");
      p.region = f.s("region");
      p.location_provenance = f.prov();
      if (err.message.empty() && !is_country(p.country))
        err = Error{"location.country", "must be an ISO 3166-1 alpha-2 code"};
    } else if (err.message.empty()) {
      err = Error{"location", "must be an object"};
    }
  }
  if (!err.message.empty()) return err;
  return p;
}

}  // namespace tactful
