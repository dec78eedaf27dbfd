#include "command.hpp"

#include <algorithm>
#include <iostream>

namespace tactful::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> all;
  return all;
}

void print_help(std::ostream& out) {
  out << "tactful " << TACTFUL_VERSION << " - privacy-first personalization tools\n\n"
      << "usage: tactful COMMAND [ARGS...]\n\ncommands:\n";
  auto sorted = registry();
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  for (const auto& c : sorted) {
    out << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\n  --help      this text;  tactful COMMAND --help for one command\n"
      << "  --version   print the version\n";
}
}  // namespace

bool register_command(Command command) {
  registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& commands() { return registry(); }

int run_cli(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(args.empty() ? err : out);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    out << "tactful " << TACTFUL_VERSION << "\n";
    return 0;
  }
  for (const auto& c : registry()) {
    if (c.name != args[0]) continue;
    Args rest(args.begin() + 1, args.end());
    if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
      out << "usage: " << c.usage << "\n";
      return 0;
    }
    return c.run(rest, in, out, err);
  }
  err << "tactful: unknown command '" << args[0] << "' (see tactful --help)\n";
  return 2;
}

}  // namespace tactful::cli
