#include "report_input.hpp"

#include "tactful/config_read.hpp"
#include "tactful/consent.hpp"
#include "tactful/profile.hpp"

namespace tactful::cli {

namespace {

// 2001-09-09 in milliseconds. Any real window starts later; a smaller number
// is almost surely seconds, which would name a window in 1970.
constexpr int64_t kEarliestMs = 1000000000000;

// How far ahead of this machine's clock a time may be: a browser's clock a
// little fast. Further on, no browser has held the window yet.
constexpr int64_t kClockSkewMs = 5 * 60 * 1000;

Status check_millis(const json& line, const char* key, int64_t now_ms) {
  const json* t = line.find_ptr(key);
  if (!t || !t->is_number_integer()) return ok_status();  // absent; from_json checks the type
  int64_t ms = t->get<int64_t>();
  if (ms == -1 || ms == 0) return ok_status();  // not yet
  if (ms < kEarliestMs) {
    return make_error(key, "must be a time in milliseconds since 1970; " + std::to_string(ms) + " looks like seconds");
  }
  if (ms > now_ms + kClockSkewMs) {
    return make_error(key, std::to_string(ms) + " (" + iso_time(ms) +
                               ") is in the future: no browser has held that window yet");
  }
  return ok_status();
}

Status check_categories(const json& line, std::set<std::string>& out) {
  const json* list = line.find_ptr("allowedCategories");
  if (!list) return ok_status();
  if (!list->is_array()) return make_error("allowedCategories", "must be an array of data categories");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& c = (*list)[i];
    bool known = false;
    for (Category cat : kCategories) known = known || (c.is_string() && c.get<std::string>() == category_name(cat));
    if (!known) {
      return make_error(join_path("allowedCategories", i),
                        "'" + (c.is_string() ? c.get<std::string>() : c.dump()) +
                            "' is not a data category (interests, purchases, location, occasions)");
    }
    out.insert(c.get<std::string>());
  }
  return ok_status();
}

Status check_top_interest(const json& line, const Taxonomy& taxonomy, std::string& out) {
  const json* t = line.find_ptr("topInterest");
  if (!t) return ok_status();
  if (!t->is_string() || t->get<std::string>().empty()) {
    return make_error("topInterest", "must be an interest id of the taxonomy (leave it out for none)");
  }
  const std::string& id = t->get_ref<const std::string&>();
  const Interest* interest = taxonomy.find(id);
  if (!interest) return make_error("topInterest", "'" + id + "' is not in the config's taxonomy");
  if (!taxonomy.usable(id)) {
    return make_error("topInterest", "'" + id + "' is sensitive: a profile never holds it, so no report names it");
  }
  out = id;
  return ok_status();
}

Status check_slots(const WindowAccumulator& window, const DecideRules& decide) {
  for (const auto& [id, slot] : window.slots) {
    const std::string path = join_path("slots", id);
    const Slot* rules = decide.find(id);
    if (!rules) return make_error(path, "not a slot of the config");
    for (size_t i = 0; i < slot.variants.size(); ++i) {
      const std::string& v = slot.variants[i].id;
      bool known = v == "default";
      for (const auto& variant : rules->variants) known = known || variant.id == v;
      if (!known) {
        return make_error(join_path(join_path(join_path(path, "variants"), i), "id"),
                          "'" + v + "' is not a variant of slot '" + id + "' (nor default)");
      }
    }
  }
  return ok_status();
}

}  // namespace

Result<ReportLine> read_report_line(const json& line, const Config& config, int64_t now_ms) {
  if (!line.is_object())
    return make_error("", "expected an object (a window accumulator), not " + std::string(line.type_name()));
  for (const auto& item : line.items()) {
    if (!is_one_of(item.key(),
                   "started slots converted pageViews visits lastPageView reported allowedCategories topInterest")) {
      return make_error(item.key(),
                        "unknown key (expected started, slots, converted, pageViews, visits, lastPageView, reported, "
                        "allowedCategories, topInterest)");
    }
  }
  auto window = WindowAccumulator::from_json(line);
  if (!window.ok()) return window.error();
  ReportLine out;
  out.window = std::move(window.value());
  for (const char* key : {"started", "lastPageView"}) {
    if (auto s = check_millis(line, key, now_ms); !s.ok()) return s.error();
  }
  if (auto s = check_slots(out.window, config.decide); !s.ok()) return s.error();
  if (auto s = check_categories(line, out.inputs.allowed_categories); !s.ok()) return s.error();
  if (auto s = check_top_interest(line, config.taxonomy, out.inputs.top_interest); !s.ok()) return s.error();
  return out;
}

}  // namespace tactful::cli
