// `tactful lint CONFIG`: the same validation and guardrails the browser applies
// when the config loads, for site owners and their CI. One line per problem,
// `PATH: MESSAGE` for an error and `PATH: warning: MESSAGE` for a warning, so
// that the path leads and tools can read it; exits 1 on any error.
#include <istream>
#include <sstream>
#include <ostream>
#include <string>

#include "checked_config.hpp"
#include "command.hpp"
#include "input_file.hpp"
#include "options.hpp"

namespace tactful::cli {
namespace {

const char* const kUsage = "tactful lint CONFIG   (CONFIG may be - for stdin)";

int run_lint(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  Options o(args, {{}, {}, {}, 1});
  o.require_positional("CONFIG (a file, or - for stdin)");
  if (!o.ok()) return usage_error("lint", o.error(), kUsage, err);
  const std::string& path = o.positionals()[0];
  std::string text;
  if (path == "-") {
    // In blocks: a character at a time, std::cin reads stdin by getc/ungetc
    // (200 MB took 17 s).
    std::ostringstream all;
    if (in.peek() != std::char_traits<char>::eof()) all << in.rdbuf();
    text = all.str();
  } else {
    auto file = read_input_file(path);
    if (!file.ok()) {
      err << "tactful lint: " << file.error().message << "\n";
      return 2;
    }
    text = std::move(file.value());
  }
  Diagnostics diag;
  load_config(text, diag);
  print_problems(diag, out);
  auto plural = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  if (!diag.ok()) {
    err << path << ": " << plural(diag.errors.size(), "error") << ", " << plural(diag.warnings.size(), "warning")
        << "; the page would show its default content\n";
    return 1;
  }
  err << path << ": ok" << (diag.warnings.empty() ? "" : " (" + plural(diag.warnings.size(), "warning") + ")")
      << "\n";
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"lint", "check a config: every error and warning with its JSON path", kUsage, run_lint});

}  // namespace tactful::cli
