// `tactful eval`: evaluates targeting conditions from JSON lines, with the same
// compiled conditions the browser uses, so an owner can check a rule against
// sample attributes before shipping it. Every input line gets its answer on
// the same stdout line, so answers can be pasted beside their cases.
#include <istream>
#include <ostream>
#include <string>

#include "command.hpp"
#include "options.hpp"
#include "tactful/condition_case.hpp"
#include "tactful/json.hpp"

namespace tactful::cli {
namespace {

const char* const kUsage =
    "tactful eval < cases.jsonl\n"
    "  Each stdin line is {\"condition\": {...}, \"attributes\": {...}, \"savedGroups\": {...}}\n"
    "  (attributes and savedGroups optional) and gets one stdout line, true or false.\n"
    "  A condition that does not compile is false, as in GrowthBook (its problems go\n"
    "  to stderr as 'line N: path: problem'; a config holding it fails lint). A line\n"
    "  that is not such a case is false too, with 'line N: problem' on stderr, and\n"
    "  makes the exit status 1 once every line is answered.";

int run_eval(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  Options o(args, {});
  if (!o.ok()) return usage_error("eval", o.error() + " (it reads JSON lines on stdin)", kUsage, err);
  std::string line;
  size_t number = 0, bad = 0, uncompiled = 0;
  while (std::getline(in, line)) {
    ++number;
    auto note = [&](const std::string& message) {
      err << "tactful eval: line " << number << ": " << message << "\n";
    };
    // A blank line is a case too (a bad one): skipping it would shift every
    // later answer against its line.
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    auto parsed = blank ? Result<json>(make_error("", "empty line (expected a case object)")) : parse_json(line);
    auto outcome = parsed.ok() ? evaluate_condition_case(*parsed) : Result<ConditionCaseResult>(parsed.error());
    if (!outcome.ok()) {
      note(outcome.error().to_string());
      ++bad;
      out << "false\n";
      continue;
    }
    for (const auto& w : outcome->warnings) note((w.path.empty() ? "" : w.path + ": ") + "warning: " + w.message);
    for (const auto& e : outcome->problems) note(e.to_string());
    uncompiled += !outcome->problems.empty();
    out << (outcome->matches ? "true" : "false") << "\n";
  }
  if (uncompiled) {
    err << "tactful eval: " << uncompiled << " condition(s) did not compile and evaluated to false\n";
  }
  if (bad) err << "tactful eval: " << bad << " bad line(s), answered false\n";
  return bad ? 1 : 0;
}

}  // namespace

TACTFUL_COMMAND({"eval", "evaluate targeting conditions given as JSON lines", kUsage, run_eval});

}  // namespace tactful::cli
