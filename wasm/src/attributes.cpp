#include "tactful/attributes.hpp"

namespace tactful {

json attribute_view(const Profile& p, const Consent& c, const Taxonomy& tax, const ProfileRules& r,
                    const PageContext& page, int64_t now_ms) {
  // Built key by key: initializer lists copy every value,
  // and this runs once per decision.
  json out = json::object();
  json& page_out = out["page"];
  page_out["path"] = page.path;
  json& page_interests = page_out["interests"] = json::array();
  // Even the page's own signals never carry a sensitive or unknown interest.
  for (const auto& id : page.interests)
    if (tax.usable(id)) page_interests.push_back(id);
  out["viewport"] = page.viewport == "small" ? "small" : "large";
  json& consent = out["consent"];
  consent["personalization"] = allowed(c, Purpose::personalization);
  consent["aggregate"] = allowed(c, Purpose::aggregate);
  for (Category cat : {Category::interests, Category::purchases, Category::location, Category::occasions})
    consent[category_name(cat)] = allowed(c, cat);
  int64_t today = day_of(now_ms);

  if (allowed(c, Category::interests)) {
    json interests = json::object(), likes = json::array(), dislikes = json::array();
    int64_t keep = int64_t(r.retention_interests) * kDayMs;
    for (const auto& d : p.declared)
      if (now_ms < d.provenance.at_ms + keep && tax.usable(d.id)) (d.like ? likes : dislikes).push_back(d.id);
    // interest_score applies declarations, decay and the evidence minimum.
    for (const auto& s : p.interests)
      if (tax.usable(s.id))
        if (auto score = interest_score(p, s.id, r, now_ms)) interests[s.id] = *score;
    for (const auto& id : likes) interests[id.get<std::string>()] = 1.0;
    out["interests"] = std::move(interests);
    out["likes"] = std::move(likes);
    out["dislikes"] = std::move(dislikes);
    if (p.visits.count && today < p.visits.last_day + r.retention_interests) {
      json& visits = out["visits"];
      visits["count"] = p.visits.count;
      visits["daysSinceFirst"] = today - p.visits.first_day;
    }
  }
  if (allowed(c, Category::purchases)) {
    json purchases = json::object();
    for (const auto& s : p.purchases)
      if (today < s.last_day + r.retention_purchases) {
        json& bought = purchases[s.category];
        bought["count"] = s.count;
        bought["daysSinceLast"] = today - s.last_day;
      }
    out["purchases"] = std::move(purchases);
  }
  if (allowed(c, Category::occasions) && p.birthday_month &&
      now_ms < p.birthday_provenance.at_ms + int64_t(r.retention_occasions) * kDayMs) {
    int month = civil_date(day_of(now_ms + int64_t(page.tz_offset_minutes) * 60000)).month;
    out["occasions"]["birthdayMonth"] = month == p.birthday_month;
  }
  if (allowed(c, Category::location) && !p.country.empty() &&
      now_ms < p.location_provenance.at_ms + int64_t(r.retention_location) * kDayMs) {
    json& location = out["location"];
    location["country"] = p.country;
    if (!p.region.empty()) location["region"] = p.region;
  }
  return out;
}

std::optional<Category> path_category(std::string_view path) {
  std::string_view root = path.substr(0, path.find('.'));
  if (root == "interests" || root == "likes" || root == "dislikes" || root == "visits") return Category::interests;
  if (root == "purchases") return Category::purchases;
  if (root == "location") return Category::location;
  if (root == "occasions") return Category::occasions;
  return std::nullopt;
}

}  // namespace tactful
