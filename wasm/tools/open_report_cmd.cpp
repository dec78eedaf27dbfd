// `tactful open-report`: opens sealed reports one by one with the collector's key
// and prints what each one holds, so a test (or a worried site owner) can see
// that a report is nothing but its header, one randomized value per metric and
// zero padding. The checks are the collector's own (open_report).
#include <sodium.h>

#include <algorithm>
#include <iostream>
#include <ostream>
#include <sstream>

#include "collector_key.hpp"
#include "command.hpp"
#include "input_file.hpp"
#include "options.hpp"
#include "tactful/base64.hpp"
#include "tactful/report_open.hpp"

namespace tactful::cli {
namespace {

std::string hex(const uint8_t* data, size_t len) {
  std::string out(len * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, len);
  out.pop_back();
  return out;
}

json open_one(const ReportRules& rules, const SecretKey& sk, const std::string& line) {
  auto decoded = base64_decode(line);
  if (!decoded) return {{"ok", false}, {"error", "not base64"}};
  const auto* bytes = reinterpret_cast<const uint8_t*>(decoded->data());
  size_t len = decoded->size();
  json out = {{"size", len}};
  auto opened = open_report(rules, bytes, len, sk);
  if (!opened.ok()) {
    out["ok"] = false;
    out["error"] = opened.error().message;
    return out;
  }
  const auto& pt = opened->plaintext;
  // What report.open shows, plus where each encoding sits in the plaintext.
  out = opened_report_json(rules, bytes, len, *opened);
  size_t end = kPlaintextHeaderSize;
  for (size_t i = 0; i < rules.metrics.size(); ++i) {
    const MetricRule& m = rules.metrics[i];
    out["metrics"][i]["offset"] = m.offset;
    out["metrics"][i]["bytes"] = encoded_size(m.ldp);
    end = std::max(end, m.offset + encoded_size(m.ldp));
  }
  out["payloadEnd"] = end;
  out["plaintext"] = hex(pt.data(), pt.size());
  return out;
}

const char* const kUsage =
    "tactful open-report --config FILE --key SECRET_KEY_FILE [REPORTS_FILE|-]\n"
    "  input: one base64 report per line; output: {ok, size, version, keyId, schema, window,\n"
    "  windowStart, metrics: [{id, mechanism, supports: [labels]}], payloadEnd, plaintext (hex)}";

int open_reports(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--config", "--key"}, {}, {}, 1});
  o.require({"--config", "--key"});
  if (!o.ok()) return usage_error("open-report", o.error(), kUsage, err);
  const std::string file = o.positionals().empty() ? "-" : o.positionals()[0];
  int code = 0;
  auto site = read_config_and_key(o.text("--config"), o.text("--key"), "open-report", err, code);
  if (!site) return code;
  SecretKey& key = site->key;
  std::istringstream file_in;
  if (file != "-") {
    auto text = read_input_file(file);
    if (!text.ok()) {
      sodium_memzero(key.data(), key.size());
      err << "tactful open-report: " << text.error().message << "\n";
      return 2;
    }
    file_in.str(std::move(text.value()));
  }
  std::istream& src = file == "-" ? in : file_in;
  std::string line;
  bool all_ok = true;
  size_t reports = 0;
  while (std::getline(src, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    ++reports;
    json one = open_one(site->config.reporting, key, line);
    all_ok = all_ok && one["ok"].get<bool>();
    out << one.dump() << "\n";
  }
  sodium_memzero(key.data(), key.size());
  // As for aggregate: silence and exit 0 would pass off the wrong file, or a
  // pipe whose first command failed, as reports that all opened.
  if (reports == 0) {
    err << "tactful open-report: " << holds_no_reports(file) << ": nothing to open\n";
    return 1;
  }
  return all_ok ? 0 : 1;
}

}  // namespace

TACTFUL_COMMAND({"open-report", "open sealed reports and show what each holds (one JSON line per report)", kUsage,
                 open_reports});

}  // namespace tactful::cli
