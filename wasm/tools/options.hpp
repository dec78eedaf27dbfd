// Every command's arguments, read one way: `--flag value`, flags alone
// (`--force`) and positional arguments. A flag without its value, an unknown
// flag, a flag given twice or a number that is not a number in its range is a
// usage error with a specific message (exit 2), never a silent default: a
// typo must not quietly run something else (a random port, a default seed).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "command.hpp"
#include "tactful/result.hpp"

namespace tactful::cli {

struct OptionSpec {
  std::vector<std::string> valued;      // take one value each: --config FILE
  std::vector<std::string> repeatable;  // take one value, any number of times: --mount P=D
  std::vector<std::string> switches;    // take none: --force
  size_t max_positionals = 0;           // plain arguments (a lone "-" is one: stdin)
};

class Options {
 public:
  // Reads `args` at once; the first problem is kept (ok() is then false).
  Options(const Args& args, const OptionSpec& spec);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  // The flag's value, or `fallback` when it was not given.
  std::string text(const std::string& flag, const std::string& fallback = "") const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> all(const std::string& flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  // Keeps "--key is required" for the first of `flags` not given, and
  // "NAME is required" when no positional argument was.
  void require(const std::vector<std::string>& flags);
  void require_positional(const std::string& name);

  // The flag's value as a whole number in [min, max], or `fallback` when it
  // was not given. A bad value keeps its error (ok() turns false), so a
  // command reads every option and then checks ok() once.
  uint64_t whole(const std::string& flag, uint64_t fallback, uint64_t min, uint64_t max);

 private:
  void fail(std::string message);

  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  std::string error_;
};

// `text` as a whole number in [min, max]: decimal digits only (no sign, no
// spaces, no fraction). `name` ("--port", "PORT") names it in the error:
// "--seed: expected a whole number, got 'abc'".
Result<uint64_t> parse_whole_number(const std::string& name, const std::string& text, uint64_t min, uint64_t max);

// Prints "tactful COMMAND: MESSAGE" and the usage; returns 2, the exit code
// of a usage error.
int usage_error(const std::string& command, const std::string& message, const std::string& usage,
                std::ostream& err);

}  // namespace tactful::cli
