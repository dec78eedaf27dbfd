// The collector's secret key file (`tactful keygen`), read for a config's
// reporting rules by the commands that open reports (aggregate, open-report,
// bench-open). A key that is not the config's opens nothing, so it is refused
// up front with both key ids rather than as a list of rejected reports.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>

#include "tactful/config.hpp"
#include "tactful/report.hpp"

namespace tactful::cli {

// The key in the file at `path` (given as --key or --show: `flag`). Prints
// why on `err` and returns nothing, with `exit_code` 2 when the file cannot be
// read, 1 when it holds no key.
std::optional<SecretKey> read_key_file(const std::string& path, const std::string& command, const std::string& flag,
                                       std::ostream& err, int& exit_code);

// read_key_file, and the key must be the config's. Prints why on `err`
// ("tactful COMMAND: --key ...") and returns nothing, with `exit_code` 2 when
// the file cannot be read, 1 when it is not a key or not the key of
// reporting.publicKey.
std::optional<SecretKey> read_collector_key(const std::string& path, const ReportRules& rules,
                                            const std::string& command, std::ostream& err, int& exit_code);

// What the commands that open reports start from: the config, checked as
// lint does and able to report (read_reporting_config), and its collector key.
struct ReportingKeys {
  Config config;
  SecretKey key{};
};
// Both, or nothing after printing why (with the exit code of what failed).
std::optional<ReportingKeys> read_config_and_key(const std::string& config_path, const std::string& key_path,
                                                 const std::string& command, std::ostream& err, int& exit_code);

}  // namespace tactful::cli
