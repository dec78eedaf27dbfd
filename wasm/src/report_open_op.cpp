#include <sodium.h>

#include <string>
#include <vector>

#include "tactful/report_open.hpp"

#include "tactful/base64.hpp"

namespace tactful {
namespace {

json failure(const std::string& message, const std::string& path = "") {
  json out = {{"error", message}};
  if (!path.empty()) out["path"] = path;
  return out;
}

bool decode_base64(const json& in, const char* key, std::vector<uint8_t>& out) {
  const json* it = in.find_ptr(key);
  if (!it || !it->is_string()) return false;
  auto bytes = base64_decode(it->get_ref<const std::string&>());
  if (!bytes) return false;
  out.assign(bytes->begin(), bytes->end());
  return true;
}

// The labels an encoding supports: the GRR index, or every OUE bit set.
json metric_json(const MetricRule& m, const uint8_t* encoded) {
  std::vector<uint64_t> support(m.ldp.domain, 0);
  ldp_accumulate(m.ldp, encoded, support);
  json labels = json::array();
  for (size_t i = 0; i < support.size(); ++i) {
    if (support[i]) labels.push_back(m.labels[i]);
  }
  bool grr = m.ldp.mechanism == Mechanism::RandomizedResponse;
  json out = {{"id", m.id},
              {"kind", metric_kind_name(m.kind)},
              {"mechanism", grr ? "GRR" : "OUE"},
              {"epsilon", m.epsilon},
              {"supports", labels}};
  if (grr && labels.size() == 1) out["value"] = labels[0];
  return out;
}

}  // namespace

json open_report_json(const ReportRules& rules, const json& in) {
  if (!rules.enabled) return failure("the config has no reporting section");
  if (!in.is_object()) return failure("report.open expects {report, secretKey}");
  std::vector<uint8_t> body, key;
  if (!decode_base64(in, "report", body) || body.empty()) return failure("report must be base64 bytes", "report");
  if (!decode_base64(in, "secretKey", key) || key.size() != 32) {
    return failure("secretKey must be 32 bytes of base64", "secretKey");
  }
  SecretKey sk;
  std::copy(key.begin(), key.end(), sk.begin());
  auto opened = open_report(rules, body.data(), body.size(), sk);
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(key.data(), key.size());
  if (!opened.ok()) return failure(opened.error().message, "report");
  return opened_report_json(rules, body.data(), body.size(), *opened);
}

json opened_report_json(const ReportRules& rules, const uint8_t* body, size_t len, const OpenedReport& opened) {
  json metrics = json::array();
  for (const auto& m : rules.metrics) metrics.push_back(metric_json(m, opened.metric(m)));
  return {{"ok", true},
          {"size", len},
          {"version", body[0]},
          {"keyId", key_id_hex(rules.key_id)},
          {"schema", rules.schema_id},
          {"window", opened.window_id},
          {"windowStart", static_cast<int64_t>(opened.window_id) * rules.window_seconds * 1000},
          {"metrics", metrics}};
}

}  // namespace tactful
