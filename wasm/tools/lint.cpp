// `tactful lint CONFIG`: the same validation and guardrails the browser applies
// when the config loads, for site owners and their CI. One line per problem,
// `error: path: message` or `warning: path: message`; exits 1 on any error.
#include <fstream>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>

#include "command.hpp"
#include "tactful/config.hpp"
#include "tactful/diagnostics.hpp"

namespace tactful::cli {
namespace {

int run_lint(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) {
    err << "usage: tactful lint CONFIG   (CONFIG may be - for stdin)\n";
    return 2;
  }
  std::string text;
  if (args[0] == "-") {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream file(args[0], std::ios::binary);
    if (!file) {
      err << "tactful lint: cannot read '" << args[0] << "'\n";
      return 2;
    }
    std::ostringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  Diagnostics diag;
  load_config(text, diag);
  for (const auto& e : diag.errors) out << "error: " << e.to_string() << "\n";
  for (const auto& w : diag.warnings) out << "warning: " << w.to_string() << "\n";
  auto plural = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  if (!diag.ok()) {
    err << args[0] << ": " << plural(diag.errors.size(), "error") << ", " << plural(diag.warnings.size(), "warning")
        << "; the page would show its default content\n";
    return 1;
  }
  err << args[0] << ": ok" << (diag.warnings.empty() ? "" : " (" + plural(diag.warnings.size(), "warning") + ")")
      << "\n";
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"lint", "check a config: every error and warning with its JSON path", "tactful lint CONFIG", run_lint});

}  // namespace tactful::cli
