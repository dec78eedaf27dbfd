// `tactful aggregate`: estimates from a file of reports, offline, with the
// collector's own checks (size, version, key, seal, layout, domain, replay).
#include <sodium.h>

#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>

#include "collector.hpp"
#include "command.hpp"
#include "tactful/base64.hpp"
#include "tactful/estimate.hpp"

namespace tactful::cli {
namespace {

int aggregate(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  std::string config_path, key_path, file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) config_path = args[++i];
    else if (args[i] == "--key" && i + 1 < args.size()) key_path = args[++i];
    else if (file.empty() && args[i].rfind("--", 0) != 0) file = args[i];
    else {
      err << "tactful aggregate: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (config_path.empty() || key_path.empty() || file.empty()) {
    err << "usage: tactful aggregate --config FILE --key SECRET_KEY_FILE REPORTS_FILE\n";
    return 2;
  }
  if (sodium_init() < 0) return 1;
  try {
    ReportRules rules = report_rules_from_config(read_json_file(config_path));
    SecretKey sk = read_secret_key(key_path);
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);

    std::map<uint64_t, std::vector<std::vector<uint64_t>>> support;  // window -> metric -> cell
    std::map<uint64_t, uint64_t> reports;
    std::set<std::string> seen;
    uint64_t rejected = 0, duplicates = 0;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      auto bytes = base64_decode(line);
      if (!bytes) {
        ++rejected;
        continue;
      }
      auto opened = open_report(rules, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), sk);
      if (!opened.ok()) {
        ++rejected;
        continue;
      }
      if (!seen.insert(line).second) {
        ++duplicates;
        continue;
      }
      auto& s = support[opened->window_id];
      if (s.empty()) {
        for (const auto& m : rules.metrics) s.emplace_back(m.ldp.domain, 0);
      }
      ++reports[opened->window_id];
      for (size_t m = 0; m < rules.metrics.size(); ++m) {
        ldp_accumulate(rules.metrics[m].ldp, opened->metric(rules.metrics[m]), s[m]);
      }
    }
    sodium_memzero(sk.data(), sk.size());

    // Estimated together, so that no figure shown gives away a cell hidden in another.
    std::vector<Sums> listed;
    Sums all{0, {}};
    for (const auto& m : rules.metrics) all.support.emplace_back(m.ldp.domain, 0);
    for (const auto& [win, s] : support) {
      listed.push_back({reports[win], s});
      all.reports += reports[win];
      for (size_t m = 0; m < s.size(); ++m) {
        for (size_t c = 0; c < s[m].size(); ++c) all.support[m][c] += s[m][c];
      }
    }
    Published published = publish_estimates(rules, listed, all);
    auto metrics_json = [](const std::vector<MetricEstimate>& estimates) {
      json list = json::array();
      for (const MetricEstimate& e : estimates) list.push_back(to_json(e));
      return list;
    };
    uint64_t total = all.reports;
    json windows = json::array();
    size_t i = 0;
    for (const auto& [win, s] : support) {
      windows.push_back({{"window", win},
                         {"start", static_cast<int64_t>(win) * rules.window_seconds * 1000},
                         {"end", static_cast<int64_t>(win + 1) * rules.window_seconds * 1000},
                         {"reports", reports[win]},
                         {"metrics", metrics_json(published.windows[i++])}});
    }
    json result = {{"keyId", key_id_hex(rules.key_id)},
                   {"schema", rules.schema_id},
                   {"minReportsPerCell", rules.min_reports_per_cell},
                   {"epsilonPerReport", epsilon_per_report(rules)},
                   {"rejected", rejected},
                   {"duplicates", duplicates},
                   {"windows", windows},
                   {"total", {{"reports", total}, {"windows", support.size()}, {"metrics", metrics_json(published.total)}}}};
    out << result.dump(2) << "\n";
  } catch (const std::exception& e) {
    err << "tactful aggregate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"aggregate", "estimates (95% intervals) from a file of base64 reports, offline",
                 "tactful aggregate --config FILE --key SECRET_KEY_FILE REPORTS_FILE", aggregate});

}  // namespace tactful::cli
