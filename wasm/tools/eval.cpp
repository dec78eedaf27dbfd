// `tactful eval`: evaluates targeting conditions from JSON lines, with the same
// compiled conditions the browser uses, so an owner can check a rule against
// sample attributes before shipping it.
#include <istream>
#include <ostream>
#include <string>

#include "command.hpp"
#include "tactful/condition.hpp"
#include "tactful/json.hpp"

namespace tactful::cli {
namespace {

int run_eval(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "tactful eval: unexpected argument '" << args[0] << "' (it reads JSON lines on stdin)\n";
    return 2;
  }
  std::string line;
  size_t number = 0, bad = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are not cases
    auto complain = [&](const std::string& message) {
      err << "tactful eval: line " << number << ": " << message << "\n";
      ++bad;
    };
    auto parsed = parse_json(line);
    if (!parsed) {
      complain(parsed.error().to_string());
      continue;
    }
    const json& input = *parsed;
    if (!input.is_object()) {
      complain("expected an object {\"condition\": ..., \"attributes\": ..., \"savedGroups\": ...}");
      continue;
    }
    auto field = [&](const char* name) -> const json& {
      static const json empty = json::object();
      auto it = input.find(name);
      return it == input.end() || it->is_null() ? empty : *it;
    };
    const json& attributes = field("attributes");
    const json& groups = field("savedGroups");
    if (!attributes.is_object()) {
      complain(std::string("attributes: must be an object, not ") + attributes.type_name());
      continue;
    }
    if (!groups.is_object()) {
      complain(std::string("savedGroups: must be an object, not ") + groups.type_name());
      continue;
    }
    Diagnostics diag;
    Condition condition = compile_condition(field("condition"), groups, "condition", diag);
    for (const auto& w : diag.warnings) err << "tactful eval: line " << number << ": warning: " << w.to_string() << "\n";
    if (!diag.ok()) {
      for (const auto& e : diag.errors) complain(e.to_string());
      continue;
    }
    out << (condition.matches(attributes) ? "true" : "false") << "\n";
  }
  if (bad) err << "tactful eval: " << bad << " bad line(s)\n";
  return bad ? 1 : 0;
}

}  // namespace

TACTFUL_COMMAND({"eval", "evaluate targeting conditions given as JSON lines",
                 "tactful eval < cases.jsonl\n"
                 "  Each stdin line is {\"condition\": {...}, \"attributes\": {...}, \"savedGroups\": {...}}\n"
                 "  (attributes and savedGroups optional). Prints true or false per line. A bad\n"
                 "  line prints nothing on stdout and 'line N: path: problem' on stderr; the exit\n"
                 "  status is 1 if any line was bad.",
                 run_eval});

}  // namespace tactful::cli
