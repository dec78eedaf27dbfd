// The native CLI's subcommands register themselves here, one file each
// (lint.cpp, eval.cpp, keygen.cpp, serve.cpp, ...), so adding a command never
// touches main.cpp.
#pragma once
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace tactful::cli {

using Args = std::vector<std::string>;

struct Command {
  std::string name;
  std::string summary;  // one line for `tactful --help`
  std::string usage;    // shown by `tactful NAME --help` and on bad arguments
  // Returns the process exit code; reads stdin / writes stdout and stderr as given.
  std::function<int(const Args&, std::istream& in, std::ostream& out, std::ostream& err)> run;
};

// Registers at static-initialisation time; returns true so it can seed a static.
bool register_command(Command command);
const std::vector<Command>& commands();

// Runs `tactful ARGS...` as the CLI would (used by main and by the tests).
int run_cli(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace tactful::cli

#define TACTFUL_CONCAT_INNER(a, b) a##b
#define TACTFUL_CONCAT(a, b) TACTFUL_CONCAT_INNER(a, b)
#define TACTFUL_COMMAND(...) \
  static const bool TACTFUL_CONCAT(tactful_command_registered_, __LINE__) = \
      ::tactful::cli::register_command(::tactful::cli::Command __VA_ARGS__)
