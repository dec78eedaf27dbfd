// A site config as lint checks it, shared by every command that reads one:
// lint prints the problems, and serve and the reporting commands refuse a
// config lint rejects, with the same lines (the browser would reject it too,
// so serving it or sealing reports with it helps nobody).
#pragma once
#include <iosfwd>
#include <optional>
#include <string>

#include "tactful/config.hpp"
#include "tactful/diagnostics.hpp"
#include "tactful/report.hpp"

namespace tactful::cli {

// Lint's lines, one per problem: "PATH: MESSAGE" for each error, then
// "PATH: warning: MESSAGE" for each warning (only MESSAGE and "warning:
// MESSAGE" when the whole input is wrong, e.g. not JSON).
void print_problems(const Diagnostics& diag, std::ostream& out, bool with_warnings = true);

// Validates config text as lint does. On an error prints "tactful COMMAND:
// WHAT is rejected ..." and the error lines to `err`, and returns nothing.
std::optional<Config> checked_config(const std::string& text, const std::string& command, const std::string& what,
                                     std::ostream& err);

// Reads `--config PATH` and validates it as lint does. Returns nothing after
// printing why on `err`, with `exit_code` 2 (unreadable) or 1 (rejected).
std::optional<Config> read_checked_config(const std::string& path, const std::string& command, std::ostream& err,
                                          int& exit_code);

// read_checked_config for the commands that seal or open reports: the config
// must also report (config.reporting.enabled). If it has no `reporting`
// section, or no reporting.publicKey (a template), says which (exit 1).
std::optional<Config> read_reporting_config(const std::string& path, const std::string& command, std::ostream& err,
                                            int& exit_code);

}  // namespace tactful::cli
