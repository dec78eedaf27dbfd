// `tactful report`: sealed reports from local aggregates, with the browser's
// own core, for simulations and load tests. One JSON line in (a window
// accumulator, plus the visitor's allowedCategories and topInterest), one
// base64 report out.
#include <sodium.h>

#include <chrono>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>

#include "collector.hpp"
#include "command.hpp"
#include "tactful/base64.hpp"

namespace tactful::cli {
namespace {

int report(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string config_path;
  std::unique_ptr<RandomSource> seeded;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) config_path = args[++i];
    else if (args[i] == "--seed" && i + 1 < args.size()) seeded = std::make_unique<SeededRandom>(std::stoull(args[++i]));
    else {
      err << "tactful report: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (config_path.empty()) {
    err << "usage: tactful report --config FILE [--seed N] < aggregates.jsonl\n";
    return 2;
  }
  if (sodium_init() < 0) return 1;
  RandomSource& rng = seeded ? *seeded : secure_random();
  try {
    ReportRules rules = report_rules_from_config(read_json_file(config_path));
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto parsed = parse_json(line);
      auto acc = parsed.ok() ? WindowAccumulator::from_json(*parsed) : Result<WindowAccumulator>(parsed.error());
      if (!acc.ok()) {
        err << "tactful report: line " << n << ": " << acc.error().to_string() << "\n";
        return 1;
      }
      ReportInputs inputs;
      if (auto c = parsed->find("allowedCategories"); c != parsed->end() && c->is_array()) {
        for (const auto& v : *c) {
          if (v.is_string()) inputs.allowed_categories.insert(v.get<std::string>());
        }
      }
      if (auto t = parsed->find("topInterest"); t != parsed->end() && t->is_string())
        inputs.top_interest = t->get<std::string>();
      if (!acc->started()) acc->start(now);
      auto sealed = build_report(rules, *acc, inputs, rng);
      if (!sealed.ok()) {
        err << "tactful report: line " << n << ": " << sealed.error().to_string() << "\n";
        return 1;
      }
      out << base64_encode(sealed->data(), sealed->size()) << "\n";
    }
  } catch (const std::exception& e) {
    err << "tactful report: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"report", "seal reports from local aggregates (JSON lines in, base64 lines out)",
                 "tactful report --config FILE [--seed N] < aggregates.jsonl\n"
                 "  each line: a window accumulator {started?, slots?, converted?, pageViews?, visits?}\n"
                 "  plus allowedCategories: [...] and topInterest: \"id\"; --seed only for reproducible simulations",
                 report});

}  // namespace tactful::cli
