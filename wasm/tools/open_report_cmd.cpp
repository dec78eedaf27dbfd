// `tactful open-report`: opens sealed reports one by one with the collector's key
// and prints what each one holds, so a test (or a worried site owner) can see
// that a report is nothing but its header, one randomized value per metric and
// zero padding. The checks are the collector's own (open_report).
#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <ostream>
#include <stdexcept>

#include "collector.hpp"
#include "command.hpp"
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

int open_reports(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string config_path, key_path, file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) config_path = args[++i];
    else if (args[i] == "--key" && i + 1 < args.size()) key_path = args[++i];
    else if (file.empty() && (args[i] == "-" || args[i].rfind("--", 0) != 0)) file = args[i];
    else {
      err << "tactful open-report: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (config_path.empty() || key_path.empty()) {
    err << "usage: tactful open-report --config FILE --key SECRET_KEY_FILE [REPORTS_FILE|-]\n";
    return 2;
  }
  if (sodium_init() < 0) return 1;
  try {
    ReportRules rules = report_rules_from_config(read_json_file(config_path));
    SecretKey sk = read_secret_key(key_path);
    std::ifstream file_in;
    if (!file.empty() && file != "-") {
      file_in.open(file);
      if (!file_in) throw std::runtime_error("cannot read " + file);
    }
    std::istream& src = file_in.is_open() ? file_in : in;
    std::string line;
    bool all_ok = true;
    while (std::getline(src, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      json one = open_one(rules, sk, line);
      all_ok = all_ok && one["ok"].get<bool>();
      out << one.dump() << "\n";
    }
    sodium_memzero(sk.data(), sk.size());
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    err << "tactful open-report: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

TACTFUL_COMMAND({"open-report", "open sealed reports and show what each holds (one JSON line per report)",
                 "tactful open-report --config FILE --key SECRET_KEY_FILE [REPORTS_FILE|-]\n"
                 "  input: one base64 report per line; output: {ok, size, version, keyId, schema, window,\n"
                 "  windowStart, metrics: [{id, mechanism, supports: [labels]}], payloadEnd, plaintext (hex)}",
                 open_reports});

}  // namespace tactful::cli
