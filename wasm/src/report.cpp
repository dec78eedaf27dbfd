#include "tactful/report.hpp"

#include "tactful/base64.hpp"
#include "tactful/config_read.hpp"
#include "tactful/json_writer.hpp"
#include "tactful/number.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tactful {

namespace {

const char* const kDataCategories[] = {"interests", "purchases", "location", "occasions"};
const char* const kNoData = "(no data)";
constexpr size_t kMaxSlotVariants = 32;  // bounds snapshot size against a noisy page
constexpr size_t kMaxSlots = 64;
constexpr int64_t kVisitGapMs = 30 * 60 * 1000;

struct KindName {
  MetricKind kind;
  const char* name;
};
const KindName kKinds[] = {{MetricKind::SlotShownClicked, "slotShownClicked"},
                           {MetricKind::SlotShownConverted, "slotShownConverted"},
                           {MetricKind::TopInterest, "topInterest"},
                           {MetricKind::Converted, "converted"},
                           {MetricKind::PagesPerVisit, "pagesPerVisit"}};

bool is_slot_kind(MetricKind k) { return k == MetricKind::SlotShownClicked || k == MetricKind::SlotShownConverted; }

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool is_origin(const std::string& s) {
  size_t scheme = s.find("://");
  if (scheme == std::string::npos || scheme == 0) return false;
  std::string proto = s.substr(0, scheme);
  if (proto != "https" && proto != "http") return false;
  std::string rest = s.substr(scheme + 3);
  return !rest.empty() && rest.find('/') == std::string::npos && rest.find('?') == std::string::npos;
}

// Reads an optional unsigned integer field within [lo, hi].
bool read_uint(const json& obj, const char* key, const std::string& path, uint64_t lo, uint64_t hi,
               uint64_t& out, Diagnostics& diag) {
  const json* it = obj.find_ptr(key);
  if (!it) return true;
  std::string p = join_path(path, key);
  std::optional<int64_t> n = whole_number(*it);
  if (!n || *n < 0) {
    diag.error(p, "must be a non-negative integer");
    return false;
  }
  uint64_t v = static_cast<uint64_t>(*n);
  if (v < lo || v > hi) {
    diag.error(p, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return false;
  }
  out = v;
  return true;
}

std::vector<std::string> bucket_labels(const std::vector<uint32_t>& edges) {
  std::vector<std::string> labels;
  for (size_t i = 0; i < edges.size(); ++i) {
    std::string lo = std::to_string(edges[i]);
    if (i + 1 == edges.size()) labels.push_back(lo + "+");
    else if (edges[i + 1] == edges[i] + 1) labels.push_back(lo);
    else labels.push_back(lo + "-" + std::to_string(edges[i + 1] - 1));
  }
  return labels;
}

void parse_metric(const json& m, const std::string& path, const Taxonomy& taxonomy, const SlotVariants& slots,
                  std::set<std::string>& ids, ReportRules& rules, Diagnostics& diag) {
  if (!m.is_object()) return diag.error(path, "must be an object");
  // A typo must not quietly drop a setting (a misspelt "categories" would
  // take the metric's consent restriction away).
  check_keys(m, path, "id kind epsilon categories slot variants buckets",
             "unknown metric key (expected id, kind, epsilon, categories, slot, variants, buckets)", diag);
  MetricRule rule;
  const json* id = m.find_ptr("id");
  if (!id || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return diag.error_at(path, "id", "must be a non-empty string");
  }
  rule.id = id->get_ref<const std::string&>();
  if (!ids.insert(rule.id).second) return diag.error(join_path(path, "id"), "duplicate metric id '" + rule.id + "'");

  const json* kind = m.find_ptr("kind");
  bool known = false;
  if (kind && kind->is_string()) {
    for (const auto& k : kKinds) {
      if (*kind == k.name) rule.kind = k.kind, known = true;
    }
  }
  if (!known) {
    return diag.error_at(path, "kind",
                      "must be one of slotShownClicked, slotShownConverted, topInterest, converted, pagesPerVisit");
  }

  // A key of another kind would be dropped as quietly as a typo: "slot" on a
  // converted metric does not make it per slot.
  for (const char* key : {"slot", "variants"}) {
    if (!is_slot_kind(rule.kind) && m.find_ptr(key))
      diag.error_at(path, key, "applies only to slotShownClicked and slotShownConverted metrics");
  }
  if (rule.kind != MetricKind::PagesPerVisit && m.find_ptr("buckets"))
    diag.error_at(path, "buckets", "applies only to pagesPerVisit metrics");

  const json* eps = m.find_ptr("epsilon");
  if (!eps || !eps->is_number() || !(eps->get<double>() > 0) || eps->get<double>() > 10) {
    return diag.error_at(path, "epsilon", "must be a number in (0, 10]");
  }
  rule.epsilon = eps->get<double>();
  // Below about 1e-16 e^ε rounds to 1, so p = q: a report would say nothing
  // and the estimator would divide by p - q = 0 (every estimate null).
  if (!(std::exp(rule.epsilon) > 1.0)) {
    return diag.error_at(path, "epsilon", "is too small to estimate anything (e^ε rounds to 1)");
  }

  if (rule.kind == MetricKind::TopInterest) rule.categories = {"interests"};
  if (rule.kind == MetricKind::SlotShownConverted || rule.kind == MetricKind::SlotShownClicked) {
    rule.categories = {};
  }
  const json* cats = m.find_ptr("categories");
  if (cats) {
    std::string cp = join_path(path, "categories");
    if (!cats->is_array()) return diag.error(cp, "must be an array of data categories");
    std::set<std::string> set(rule.categories.begin(), rule.categories.end());
    for (size_t i = 0; i < cats->size(); ++i) {
      const json& c = (*cats)[i];
      bool ok = c.is_string() && std::any_of(std::begin(kDataCategories), std::end(kDataCategories),
                                            [&](const char* n) { return c == n; });
      if (!ok) return diag.error(join_path(cp, i), "must be one of interests, purchases, location, occasions");
      set.insert(c.get<std::string>());
    }
    rule.categories.assign(set.begin(), set.end());
  }

  if (is_slot_kind(rule.kind)) {
    const json* slot = m.find_ptr("slot");
    if (!slot || !slot->is_string()) return diag.error_at(path, "slot", "must name a slot");
    rule.slot = slot->get_ref<const std::string&>();
    std::vector<std::string> variants;
    const json* listed = m.find_ptr("variants");
    if (listed) {
      std::string vp = join_path(path, "variants");
      if (!listed->is_array()) return diag.error(vp, "must be an array of variant ids");
      for (size_t i = 0; i < listed->size(); ++i) {
        if (!(*listed)[i].is_string()) return diag.error(join_path(vp, i), "must be a string");
        variants.push_back((*listed)[i].get<std::string>());
      }
    } else {
      auto found = slots.find(rule.slot);
      if (found == slots.end()) {
        return diag.error(join_path(path, "slot"),
                          "unknown slot '" + rule.slot + "' (declare it in slots, or list its variants here)");
      }
      variants = found->second;
    }
    rule.variants.push_back("default");
    for (const auto& v : variants) {
      if (std::find(rule.variants.begin(), rule.variants.end(), v) == rule.variants.end()) rule.variants.push_back(v);
    }
    if (rule.variants.size() > kMaxSlotVariants) {
      return diag.error(join_path(path, "variants"), "at most " + std::to_string(kMaxSlotVariants) + " variants");
    }
    const char* outcome = rule.kind == MetricKind::SlotShownClicked ? "clicked" : "converted";
    for (const auto& v : rule.variants) {
      rule.labels.push_back(v + "|not " + outcome);
      rule.labels.push_back(v + "|" + outcome);
    }
  } else if (rule.kind == MetricKind::TopInterest) {
    for (const auto& interest : taxonomy.interests) {
      if (interest.sensitive.empty()) rule.labels.push_back(interest.id);  // sensitive ones never leave
    }
    if (rule.labels.empty()) return diag.error_at(path, "kind", "topInterest needs a taxonomy with interests");
  } else if (rule.kind == MetricKind::Converted) {
    rule.labels = {"no", "yes"};
  } else {
    rule.buckets = {1, 2, 3, 5, 10};
    const json* b = m.find_ptr("buckets");
    if (b) {
      std::string bp = join_path(path, "buckets");
      if (!b->is_array() || b->empty() || b->size() > 32) return diag.error(bp, "must be 1 to 32 increasing integers");
      rule.buckets.clear();
      for (size_t i = 0; i < b->size(); ++i) {
        std::optional<int64_t> n = whole_number((*b)[i]);
        if (!n || *n < 1 || *n > 100000 || (!rule.buckets.empty() && *n <= rule.buckets.back())) {
          return diag.error(join_path(bp, i), "must be an integer from 1, greater than the one before");
        }
        rule.buckets.push_back(static_cast<uint32_t>(*n));
      }
    }
    rule.labels = bucket_labels(rule.buckets);
  }
  rule.labels.push_back(kNoData);
  rule.ldp = choose_mechanism(static_cast<uint32_t>(rule.labels.size()), rule.epsilon);
  rules.metrics.push_back(std::move(rule));
}

// The layout both sides must agree on: ids, kinds, domains, ε (as exact bits), order.
uint32_t compute_schema_id(const ReportRules& rules) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  auto add = [&](const void* p, size_t n) { crypto_generichash_update(&st, static_cast<const uint8_t*>(p), n); };
  auto add_str = [&](const std::string& s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    add(&n, 4);
    add(s.data(), s.size());
  };
  uint8_t version = kReportVersion;
  add(&version, 1);
  for (const auto& m : rules.metrics) {
    add_str(m.id);
    uint8_t kind = static_cast<uint8_t>(m.kind), mech = static_cast<uint8_t>(m.ldp.mechanism);
    add(&kind, 1);
    add(&mech, 1);
    add(&m.epsilon, sizeof m.epsilon);
    for (const auto& l : m.labels) add_str(l);
    add_str("");
  }
  uint8_t out[16];
  crypto_generichash_final(&st, out, sizeof out);
  return get_u32(out);
}

}  // namespace

const char* metric_kind_name(MetricKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "";
}

SlotVariants slot_variants_from_config(const json& root) {
  SlotVariants out;
  const json* slots = root.find_ptr("slots");
  if (!slots) return out;
  auto add_slot = [&](const std::string& id, const json& slot) {
    auto& list = out[id];
    const json* vs = slot.find_ptr("variants");
    if (!vs || !vs->is_array()) return;
    for (const auto& v : *vs) {
      if (v.is_string()) list.push_back(v.get<std::string>());
      else if (v.is_object() && v.contains("id") && v["id"].is_string()) list.push_back(v["id"].get<std::string>());
    }
  };
  if (slots->is_array()) {
    for (const auto& s : *slots) {
      if (s.is_object() && s.contains("id") && s["id"].is_string()) add_slot(s["id"].get<std::string>(), s);
    }
  } else if (slots->is_object()) {
    for (auto it = slots->begin(); it != slots->end(); ++it) add_slot(it.key(), it.value());
  }
  return out;
}

std::array<uint8_t, 4> key_id_of(const PublicKey& pk) {
  uint8_t h[16];
  crypto_generichash(h, sizeof h, pk.data(), pk.size(), nullptr, 0);
  return {h[0], h[1], h[2], h[3]};
}

std::string key_id_hex(const std::array<uint8_t, 4>& id) {
  char hex[9];
  sodium_bin2hex(hex, sizeof hex, id.data(), id.size());
  return hex;
}

ReportRules parse_report_rules(const json& root, const Taxonomy& taxonomy, const SlotVariants& slots,
                               Diagnostics& diag) {
  ReportRules rules;
  const json* rep = root.find_ptr("reporting");
  const json* metrics = root.find_ptr("metrics");
  if (!rep) {
    if (metrics) diag.error("metrics", "metrics need a reporting section with the collector's key");
    return rules;
  }
  const std::string path = "reporting";
  if (!rep->is_object()) {
    diag.error(path, "must be an object");
    return rules;
  }
  size_t errors_before = diag.errors.size();
  check_keys(*rep, path,
             "collector publicKey keyId windowSeconds epsilonBudget sendDelayMs allowedOrigins minReportsPerCell "
             "retentionDays",
             "unknown key (expected collector, publicKey, keyId, windowSeconds, epsilonBudget, sendDelayMs, "
             "allowedOrigins, minReportsPerCell, retentionDays)",
             diag);

  if (const json* c = rep->find_ptr("collector")) {
    if (!c->is_string() || (c->get_ref<const std::string&>().rfind("/", 0) != 0 &&
                            c->get_ref<const std::string&>().rfind("https://", 0) != 0 &&
                            c->get_ref<const std::string&>().rfind("http://", 0) != 0)) {
      diag.error_at(path, "collector", "must be a path (/collect) or an http(s) URL");
    } else {
      rules.collector = c->get_ref<const std::string&>();
    }
  }

  const json* pk = rep->find_ptr("publicKey");
  bool missing_key = !pk;
  if (missing_key) {
    // A template config (the collector fills its key in when it serves the
    // config): valid, but nothing can be sealed until the key is there.
    diag.warn(join_path(path, "publicKey"),
              "missing: no report is sent until the collector's public key is set (tactful keygen; tactful serve "
              "--key fills it in)");
  } else if (!pk->is_string()) {
    diag.error_at(path, "publicKey", "must be the collector's X25519 public key in base64 (tactful keygen)");
  } else {
    auto key = base64_decode(pk->get_ref<const std::string&>());
    if (!key || key->size() != rules.public_key.size()) {
      diag.error_at(path, "publicKey", "must be 32 bytes in standard base64");
    } else {
      std::copy(key->begin(), key->end(), rules.public_key.begin());
      rules.key_id = key_id_of(rules.public_key);
    }
  }
  if (const json* k = rep->find_ptr("keyId")) {
    if (!k->is_string() || *k != key_id_hex(rules.key_id)) {
      diag.error(join_path(path, "keyId"), "does not match publicKey (its key id is " + key_id_hex(rules.key_id) + ")");
    }
  }

  uint64_t v = static_cast<uint64_t>(rules.window_seconds);
  if (read_uint(*rep, "windowSeconds", path, 1, 366ull * 86400, v, diag)) rules.window_seconds = static_cast<int64_t>(v);
  // False after a refused budget: that is its one error, and the metrics are
  // not also measured against the default the site never chose ("total ε 10
  // exceeds ... 4" for a budget of 60).
  bool budget_known = true;
  if (const json* b = rep->find_ptr("epsilonBudget")) {
    if (!b->is_number() || !(b->get<double>() > 0) || b->get<double>() > 50) {
      diag.error_at(path, "epsilonBudget", "must be a number in (0, 50]");
      budget_known = false;
    } else {
      rules.epsilon_budget = b->get<double>();
    }
  }
  if (const json* d = rep->find_ptr("sendDelayMs")) {
    std::string dp = join_path(path, "sendDelayMs");
    if (std::optional<int64_t> n = whole_number(*d); n && *n >= 0 && *n <= 3600000) {
      // A single number: a random delay of up to that many milliseconds (0: none).
      rules.send_delay_min_ms = 0;
      rules.send_delay_max_ms = static_cast<uint32_t>(*n);
    } else if (!d->is_object()) {
      diag.error(dp, "must be {min, max} in milliseconds, or a number: up to that many milliseconds");
    } else {
      uint64_t lo = rules.send_delay_min_ms, hi = rules.send_delay_max_ms;
      bool ok = read_uint(*d, "min", dp, 0, 3600000, lo, diag) && read_uint(*d, "max", dp, 0, 3600000, hi, diag);
      if (ok && lo > hi) {
        // A bound given alone is compared with the other's default, which the owner never wrote.
        if (!d->contains("max")) {
          diag.error(join_path(dp, "min"), "must not be above max (" + std::to_string(hi) + " when not given)");
        } else {
          diag.error(join_path(dp, "max"), d->contains("min") ? std::string("must not be below min")
                                                              : "must not be below min (" + std::to_string(lo) + " when not given)");
        }
      }
      rules.send_delay_min_ms = static_cast<uint32_t>(lo);
      rules.send_delay_max_ms = static_cast<uint32_t>(hi);
    }
  }
  if (const json* o = rep->find_ptr("allowedOrigins")) {
    std::string op = join_path(path, "allowedOrigins");
    if (!o->is_array()) diag.error(op, "must be an array of origins");
    else {
      for (size_t i = 0; i < o->size(); ++i) {
        const json& e = (*o)[i];
        if (!e.is_string() || !is_origin(e.get<std::string>())) diag.error(join_path(op, i), "must be an origin like https://shop.example");
        else rules.allowed_origins.push_back(e.get<std::string>());
      }
    }
  }
  v = rules.min_reports_per_cell;
  if (read_uint(*rep, "minReportsPerCell", path, 1, 1000000, v, diag)) rules.min_reports_per_cell = static_cast<uint32_t>(v);
  v = rules.retention_days;
  if (read_uint(*rep, "retentionDays", path, 1, 3650, v, diag)) rules.retention_days = static_cast<uint32_t>(v);

  if (metrics) {
    if (!metrics->is_array()) diag.error("metrics", "must be an array");
    else {
      std::set<std::string> ids;
      double total = 0;
      for (size_t i = 0; i < metrics->size(); ++i) {
        std::string mp = join_path("metrics", i);
        size_t before = rules.metrics.size();
        parse_metric((*metrics)[i], mp, taxonomy, slots, ids, rules, diag);
        if (rules.metrics.size() == before) continue;
        total += rules.metrics.back().epsilon;
        if (budget_known && total > rules.epsilon_budget + 1e-12) {
          char a[kNumberTextSize], b[kNumberTextSize];
          format_number(total, a, 3);  // 3 digits: no float noise (0.30000000000000004) in the message
          format_number(rules.epsilon_budget, b, 3);
          diag.error(join_path(mp, "epsilon"), std::string("total ε ") + a + " exceeds reporting.epsilonBudget " + b);
        }
      }
    }
  }

  size_t offset = kPlaintextHeaderSize;
  for (auto& m : rules.metrics) {
    m.offset = offset;
    offset += encoded_size(m.ldp);
  }
  rules.plaintext_size = (offset + kPlaintextAlign - 1) / kPlaintextAlign * kPlaintextAlign;
  rules.report_size = kReportHeaderSize + kSealOverhead + rules.plaintext_size;
  rules.schema_id = compute_schema_id(rules);
  rules.enabled = diag.errors.size() == errors_before && !missing_key;
  return rules;
}

uint64_t window_id_at(const ReportRules& rules, int64_t now_ms) {
  return now_ms < 0 ? 0 : static_cast<uint64_t>(now_ms / 1000 / rules.window_seconds);
}

double epsilon_per_report(const ReportRules& rules) {
  double total = 0;
  for (const auto& m : rules.metrics) total += m.epsilon;
  return total;
}

double epsilon_spent(const ReportRules& rules, const WindowAccumulator& acc) {
  return acc.reported ? epsilon_per_report(rules) : 0.0;
}

bool WindowAccumulator::observe_shown(const std::string& slot, const std::string& variant, bool counted) {
  if (slots.size() >= kMaxSlots && !slots.count(slot)) return false;
  Slot& s = slots[slot];
  for (size_t i = 0; i < s.variants.size(); ++i) {
    if (s.variants[i].id == variant) {
      if (counted) ++s.variants[i].shown;
      bool moved = s.last_shown != static_cast<int>(i);
      s.last_shown = static_cast<int>(i);
      return counted || moved;
    }
  }
  if (s.variants.size() >= kMaxSlotVariants) return false;
  s.variants.push_back({variant, 1, false});
  s.last_shown = static_cast<int>(s.variants.size() - 1);
  return true;
}

void WindowAccumulator::observe_click(const std::string& slot) {
  auto it = slots.find(slot);
  if (it == slots.end() || it->second.last_shown < 0) return;  // a click on something never shown
  it->second.variants[it->second.last_shown].clicked = true;
}

void WindowAccumulator::observe_conversion() { converted = true; }

void WindowAccumulator::observe_page_view(int64_t now_ms) {
  if (page_views == 0 || now_ms - last_page_view_ms > kVisitGapMs) ++visits;
  ++page_views;
  last_page_view_ms = now_ms;
}

// Written directly, keys in byte order (the map iterates in it too), as
// json::dump() wrote them: stored records keep their form.
std::string WindowAccumulator::to_json() const {
  JsonWriter w;
  w.begin_object().key("converted").boolean(converted).key("lastPageView").integer(last_page_view_ms);
  w.key("pageViews").integer(page_views).key("reported").boolean(reported).key("slots").begin_object();
  for (const auto& [id, slot] : slots) {
    w.key(id).begin_object().key("last").integer(slot.last_shown).key("variants").begin_array();
    for (const auto& v : slot.variants) {
      w.begin_object().key("clicked").boolean(v.clicked).key("id").string(v.id).key("shown").integer(v.shown);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_object().key("started").integer(started_ms).key("visits").integer(visits);
  return w.end_object().take();
}

Result<WindowAccumulator> WindowAccumulator::from_json(const json& j) {
  WindowAccumulator acc;
  if (!j.is_object()) return make_error("", "window accumulator must be an object");
  auto uint_field = [&](const char* key, uint64_t& out) -> bool {
    const json* it = j.find_ptr(key);
    if (!it) return true;
    if (!it->is_number_unsigned()) return false;
    out = it->get<uint64_t>();
    return true;
  };
  uint64_t pv = 0, visits = 0;
  if (const json* it = j.find_ptr("started")) {
    if (!it->is_number_integer() || it->get<int64_t>() < -1) return make_error("started", "must be a time in milliseconds");
    acc.started_ms = it->get<int64_t>();
  }
  if (!uint_field("pageViews", pv) || pv > UINT32_MAX) return make_error("pageViews", "must be a non-negative integer");
  if (!uint_field("visits", visits) || visits > pv) return make_error("visits", "must be an integer up to pageViews");
  acc.page_views = static_cast<uint32_t>(pv);
  acc.visits = static_cast<uint32_t>(visits);
  if (const json* it = j.find_ptr("lastPageView")) {
    if (!it->is_number_integer()) return make_error("lastPageView", "must be a time in milliseconds");
    acc.last_page_view_ms = it->get<int64_t>();
  }
  for (const char* key : {"converted", "reported"}) {
    const json* it = j.find_ptr(key);
    if (!it) continue;
    if (!it->is_boolean()) return make_error(key, "must be a boolean");
    (std::strcmp(key, "converted") == 0 ? acc.converted : acc.reported) = it->get<bool>();
  }
  if (const json* it = j.find_ptr("slots")) {
    if (!it->is_object()) return make_error("slots", "must be an object");
    for (auto s = it->begin(); s != it->end(); ++s) {
      std::string sp = join_path("slots", s.key());
      const json* vs = s->find_ptr("variants");
      if (!s->is_object() || !vs || !vs->is_array() || vs->size() > kMaxSlotVariants) {
        return make_error(sp, "must hold a variants array");
      }
      Slot slot;
      for (size_t i = 0; i < vs->size(); ++i) {
        const json& v = (*vs)[i];
        if (!v.is_object() || !v.contains("id") || !v["id"].is_string() || !v.contains("shown") ||
            !v["shown"].is_number_unsigned() || !v.contains("clicked") || !v["clicked"].is_boolean()) {
          return make_error(join_path(join_path(sp, "variants"), i), "must be {id, shown, clicked}");
        }
        slot.variants.push_back({v["id"].get<std::string>(), static_cast<uint32_t>(v["shown"].get<uint64_t>()),
                                 v["clicked"].get<bool>()});
      }
      const json* last = s->find_ptr("last");
      if (last) {
        if (!last->is_number_integer() || last->get<int64_t>() < -1 ||
            last->get<int64_t>() >= static_cast<int64_t>(slot.variants.size())) {
          return make_error(join_path(sp, "last"), "must index a variant");
        }
        slot.last_shown = static_cast<int>(last->get<int64_t>());
      }
      acc.slots[s.key()] = std::move(slot);
    }
  }
  return acc;
}

std::vector<uint32_t> report_values(const ReportRules& rules, const WindowAccumulator& acc,
                                    const ReportInputs& inputs) {
  std::vector<uint32_t> values;
  for (const auto& m : rules.metrics) {
    const uint32_t none = static_cast<uint32_t>(m.labels.size() - 1);
    uint32_t value = none;
    bool allowed = std::all_of(m.categories.begin(), m.categories.end(),
                               [&](const std::string& c) { return inputs.allowed_categories.count(c) > 0; });
    if (!allowed) {
      values.push_back(none);
      continue;
    }
    switch (m.kind) {
      case MetricKind::SlotShownClicked:
      case MetricKind::SlotShownConverted: {
        auto it = acc.slots.find(m.slot);
        if (it == acc.slots.end() || it->second.variants.empty()) break;
        // The variant this browser saw most in the window stands for it (ties:
        // first shown); for clicks, the most shown of those clicked, so that a
        // click on a variant seen once is not lost behind a default seen twice.
        const auto& variants = it->second.variants;
        bool by_click = m.kind == MetricKind::SlotShownClicked &&
                        std::any_of(variants.begin(), variants.end(), [](const auto& v) { return v.clicked; });
        const WindowAccumulator::Variant* top = nullptr;
        for (const auto& v : variants) {
          if ((!by_click || v.clicked) && (!top || v.shown > top->shown)) top = &v;
        }
        auto pos = std::find(m.variants.begin(), m.variants.end(), top->id);
        if (pos == m.variants.end()) break;  // a variant the config does not know: no data
        bool outcome = m.kind == MetricKind::SlotShownClicked ? top->clicked : acc.converted;
        value = static_cast<uint32_t>(2 * (pos - m.variants.begin()) + (outcome ? 1 : 0));
        break;
      }
      case MetricKind::TopInterest: {
        auto pos = std::find(m.labels.begin(), m.labels.end() - 1, inputs.top_interest);
        if (!inputs.top_interest.empty() && pos != m.labels.end() - 1) value = static_cast<uint32_t>(pos - m.labels.begin());
        break;
      }
      case MetricKind::Converted:
        value = acc.converted ? 1 : 0;
        break;
      case MetricKind::PagesPerVisit: {
        if (acc.visits == 0) break;
        uint32_t pages = (acc.page_views + acc.visits / 2) / acc.visits;  // rounded mean
        if (pages < m.buckets[0]) pages = m.buckets[0];
        uint32_t bucket = 0;
        while (bucket + 1 < m.buckets.size() && pages >= m.buckets[bucket + 1]) ++bucket;
        value = bucket;
        break;
      }
    }
    values.push_back(value);
  }
  return values;
}

std::vector<uint8_t> encode_plaintext(const ReportRules& rules, uint64_t window_id,
                                      const std::vector<uint32_t>& values, RandomSource& rng) {
  std::vector<uint8_t> out(rules.plaintext_size, 0);
  out[0] = kReportVersion;
  put_u32(&out[1], rules.schema_id);
  put_u64(&out[5], window_id);
  for (size_t i = 0; i < rules.metrics.size() && i < values.size(); ++i) {
    const MetricRule& m = rules.metrics[i];
    uint32_t v = values[i] < m.ldp.domain ? values[i] : m.ldp.domain - 1;
    ldp_encode(m.ldp, v, rng, &out[m.offset]);
  }
  return out;
}

Result<std::vector<uint8_t>> build_report(const ReportRules& rules, WindowAccumulator& acc,
                                          const ReportInputs& inputs, RandomSource& rng) {
  if (!rules.enabled) return make_error("reporting", "reporting is not configured");
  if (acc.reported) return make_error("", "this window's report was already built");
  if (!acc.started()) return make_error("", "the window has not started");
  auto plaintext = encode_plaintext(rules, window_id_at(rules, acc.started_ms), report_values(rules, acc, inputs), rng);
  auto sealed = seal(plaintext.data(), plaintext.size(), rules.public_key, rng);
  sodium_memzero(plaintext.data(), plaintext.size());
  if (sealed.empty()) return make_error("reporting.publicKey", "cannot seal to this public key");
  std::vector<uint8_t> out(kReportHeaderSize);
  out[0] = kReportVersion;
  std::copy(rules.key_id.begin(), rules.key_id.end(), out.begin() + 1);
  out.insert(out.end(), sealed.begin(), sealed.end());
  acc.reported = true;
  return out;
}

Result<OpenedReport> decode_plaintext(const ReportRules& rules, std::vector<uint8_t> plaintext) {
  if (plaintext.size() != rules.plaintext_size) return make_error("", "payload has the wrong size");
  if (plaintext[0] != kReportVersion) return make_error("", "unsupported payload version");
  if (get_u32(&plaintext[1]) != rules.schema_id) return make_error("", "report made for another metric layout");
  OpenedReport r;
  r.window_id = get_u64(&plaintext[5]);
  size_t end = kPlaintextHeaderSize;
  for (const auto& m : rules.metrics) {
    if (!ldp_valid(m.ldp, &plaintext[m.offset])) return make_error(m.id, "value outside the metric's domain");
    end = m.offset + encoded_size(m.ldp);
  }
  for (size_t i = end; i < plaintext.size(); ++i) {
    if (plaintext[i] != 0) return make_error("", "padding is not zero");
  }
  r.plaintext = std::move(plaintext);
  return r;
}

Result<OpenedReport> open_report(const ReportRules& rules, const uint8_t* body, size_t len, const SecretKey& sk) {
  if (len != rules.report_size) {
    return make_error("", "report is " + std::to_string(len) + " bytes, expected " + std::to_string(rules.report_size));
  }
  if (body[0] != kReportVersion) return make_error("", "unsupported report version " + std::to_string(body[0]));
  if (!std::equal(rules.key_id.begin(), rules.key_id.end(), body + 1)) return make_error("", "unknown key id");
  auto opened = seal_open(body + kReportHeaderSize, len - kReportHeaderSize, rules.public_key, sk);
  if (!opened.ok()) return opened.error();
  return decode_plaintext(rules, std::move(opened.value()));
}

}  // namespace tactful
