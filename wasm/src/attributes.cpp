#include "tactful/attributes.hpp"

namespace tactful {

json attribute_view(const Profile& p, const Consent& c, const Taxonomy& tax, const ProfileRules& r,
                    const PageContext& page, int64_t now_ms) {
  json page_interests = json::array();
  // Even the page's own signals never carry a sensitive or unknown interest.
  for (const auto& id : page.interests)
    if (tax.usable(id)) page_interests.push_back(id);
  json out = {{"page", {{"path", page.path}, {"interests", std::move(page_interests)}}},
              {"viewport", page.viewport == "small" ? "small" : "large"},
              {"consent",
               {{"personalization", allowed(c, Purpose::personalization)},
                {"aggregate", allowed(c, Purpose::aggregate)},
                {"interests", allowed(c, Category::interests)},
                {"purchases", allowed(c, Category::purchases)},
                {"location", allowed(c, Category::location)},
                {"occasions", allowed(c, Category::occasions)}}}};
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
    if (p.visits.count && today < p.visits.last_day + r.retention_interests)
      out["visits"] = {{"count", p.visits.count}, {"daysSinceFirst", today - p.visits.first_day}};
  }
  if (allowed(c, Category::purchases)) {
    json purchases = json::object();
    for (const auto& s : p.purchases)
      if (today < s.last_day + r.retention_purchases)
        purchases[s.category] = {{"count", s.count}, {"daysSinceLast", today - s.last_day}};
    out["purchases"] = std::move(purchases);
  }
  if (allowed(c, Category::occasions) && p.birthday_month &&
      now_ms < p.birthday_provenance.at_ms + int64_t(r.retention_occasions) * kDayMs) {
    int month = civil_date(day_of(now_ms + int64_t(page.tz_offset_minutes) * 60000)).month;
    out["occasions"] = {{"birthdayMonth", month == p.birthday_month}};
  }
  if (allowed(c, Category::location) && !p.country.empty() &&
      now_ms < p.location_provenance.at_ms + int64_t(r.retention_location) * kDayMs) {
    out["location"] = {{"country", p.country}};
    if (!p.region.empty()) out["location"]["region"] = p.region;
  }
  return out;
}

}  // namespace tactful
