// `tactful aggregate`: estimates from a file of reports, offline, with the
// collector's own checks (size, version, key, seal, layout, domain, replay).
#include <sodium.h>

#include <iterator>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "collector_key.hpp"
#include "command.hpp"
#include "input_file.hpp"
#include "options.hpp"
#include "tactful/base64.hpp"
#include "tactful/estimate.hpp"

namespace tactful::cli {
namespace {

const char* const kUsage = "tactful aggregate --config FILE --key SECRET_KEY_FILE REPORTS_FILE|-";

int aggregate(const Args& args, std::istream& input, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--config", "--key"}, {}, {}, 1});
  o.require({"--config", "--key"});
  o.require_positional("REPORTS_FILE");
  if (!o.ok()) return usage_error("aggregate", o.error(), kUsage, err);
  const std::string& file = o.positionals()[0];
  int code = 0;
  auto site = read_config_and_key(o.text("--config"), o.text("--key"), "aggregate", err, code);
  if (!site) return code;
  const ReportRules& rules = site->config.reporting;
  SecretKey& sk = site->key;
  // "-" is stdin, as for lint and open-report: `tactful report ... | tactful aggregate ... -`.
  auto text = file == "-" ? Result<std::string>(std::string(std::istreambuf_iterator<char>(input), {}))
                          : read_input_file(file);
  if (!text.ok()) {
    sodium_memzero(sk.data(), sk.size());
    err << "tactful aggregate: " << text.error().message << "\n";
    return 2;
  }
  try {
    std::istringstream in(*text);
    std::map<uint64_t, std::vector<std::vector<uint64_t>>> support;  // window -> metric -> cell
    std::map<uint64_t, uint64_t> reports;
    std::set<std::string> seen;
    uint64_t rejected = 0, duplicates = 0;
    std::string first_rejection;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      auto bytes = base64_decode(line);
      auto opened = bytes ? open_report(rules, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), sk)
                          : Result<OpenedReport>(make_error("", "not base64"));
      if (!opened.ok()) {
        if (!rejected++) first_rejection = opened.error().to_string();
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
    // Estimates from nothing would look like a quiet site: when every report
    // fails, the key or the config is wrong, and that must be said.
    // Nor is an empty file a quiet site: the wrong file, or a pipe whose
    // first command failed, would otherwise print zeros and exit 0.
    if (rejected == 0 && support.empty()) {
      err << "tactful aggregate: " << holds_no_reports(file) << ": nothing to estimate\n";
      return 1;
    }
    if (rejected > 0 && support.empty()) {
      err << "tactful aggregate: none of the " << rejected << " reports opened with this key and config (key id "
          << key_id_hex(rules.key_id) << ", schema " << rules.schema_id << "); the first: " << first_rejection
          << ". Were they sealed for this config, by this collector?\n";
      return 1;
    }

    // Estimated together, so that no figure shown gives away a cell hidden in another.
    std::vector<Sums> listed;
    Sums all{0, {}};
    for (const auto& m : rules.metrics) all.support.emplace_back(m.ldp.domain, 0);
    for (const auto& [win, s] : support) {
      listed.push_back({reports[win], s, win});
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

TACTFUL_COMMAND({"aggregate", "estimates (95% intervals) from a file of base64 reports, offline", kUsage, aggregate});

}  // namespace tactful::cli
