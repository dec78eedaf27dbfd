// The object targeting conditions see. It is built from the profile but holds
// only what the visitor allowed at this moment: a condition cannot read what
// is not there. Page context is not profile data and is always present.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "tactful/consent.hpp"
#include "tactful/json.hpp"
#include "tactful/profile.hpp"
#include "tactful/taxonomy.hpp"

namespace tactful {

struct PageContext {
  std::string path;
  std::vector<std::string> interests;  // what the page itself signals
  std::string viewport;                // "small" | "large"
  int tz_offset_minutes = 0;           // local time = UTC + offset; for "is it the birthday month now"
};

// {page: {path, interests}, viewport, consent: {personalization, aggregate,
//  interests, purchases, location, occasions},
//  and only when allowed: interests: {<id>: 0..1}, likes, dislikes,
//  visits: {count, daysSinceFirst}, purchases: {<category>: {count, daysSinceLast}},
//  occasions: {birthdayMonth: bool}, location: {country, region?}}.
// A site directed at children gets page context and consent only.
// The data category an attribute path is made from (`interests.hiking`,
// `likes`, `visits.count` -> interests; `purchases.shoes.count` -> purchases;
// ...), or nothing for page context and consent.
std::optional<Category> path_category(std::string_view path);

json attribute_view(const Profile&, const Consent&, const Taxonomy&, const ProfileRules&, const PageContext&,
                    int64_t now_ms);

}  // namespace tactful
