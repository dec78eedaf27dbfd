// `tactful report`: sealed reports from local aggregates, with the browser's
// own core, for simulations and load tests. One JSON line in (a window
// accumulator, plus the visitor's allowedCategories and topInterest), one
// base64 report out. The config must pass lint and the lines must be what a
// browser could hold (report_input.hpp): a report no browser could send
// would only mislead a test.
#include <sodium.h>

#include <chrono>
#include <istream>
#include <limits>
#include <memory>
#include <ostream>

#include "checked_config.hpp"
#include "command.hpp"
#include "options.hpp"
#include "report_input.hpp"
#include "tactful/base64.hpp"

namespace tactful::cli {
namespace {

const char* const kUsage =
    "tactful report --config FILE [--seed N] < aggregates.jsonl\n"
    "  each line: a window accumulator {started?, slots?, converted?, pageViews?, visits?,\n"
    "  lastPageView?, reported?} plus allowedCategories: [...] and topInterest: \"id\";\n"
    "  times in milliseconds; --seed (a whole number) only for reproducible simulations";

int report(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--config", "--seed"}});
  uint64_t seed = o.whole("--seed", 0, 0, std::numeric_limits<uint64_t>::max());
  o.require({"--config"});
  if (!o.ok()) return usage_error("report", o.error(), kUsage, err);
  if (sodium_init() < 0) return 1;
  int code = 0;
  auto config = read_reporting_config(o.text("--config"), "report", err, code);
  if (!config) return code;
  std::unique_ptr<RandomSource> seeded;
  if (o.has("--seed")) seeded = std::make_unique<SeededRandom>(seed);
  RandomSource& rng = seeded ? *seeded : secure_random();
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  std::string text;
  for (size_t n = 1; std::getline(in, text); ++n) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parse_json(text);
    auto line = parsed.ok() ? read_report_line(*parsed, *config, now) : Result<ReportLine>(parsed.error());
    if (line.ok() && !line->window.started()) line->window.start(now);
    auto sealed = line.ok() ? build_report(config->reporting, line->window, line->inputs, rng)
                            : Result<std::vector<uint8_t>>(line.error());
    if (!sealed.ok()) {
      err << "tactful report: line " << n << ": " << sealed.error().to_string() << "\n";
      return 1;
    }
    out << base64_encode(sealed->data(), sealed->size()) << "\n";
  }
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"report", "seal reports from local aggregates (JSON lines in, base64 lines out)", kUsage, report});

}  // namespace tactful::cli
