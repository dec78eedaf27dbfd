#include "checked_config.hpp"

#include <ostream>

#include "input_file.hpp"

namespace tactful::cli {

void print_problems(const Diagnostics& diag, std::ostream& out, bool with_warnings) {
  for (const auto& e : diag.errors) out << e.to_string() << "\n";
  if (!with_warnings) return;
  for (const auto& w : diag.warnings) out << (w.path.empty() ? "" : w.path + ": ") << "warning: " << w.message << "\n";
}

std::optional<Config> checked_config(const std::string& text, const std::string& command, const std::string& what,
                                     std::ostream& err) {
  Diagnostics diag;
  auto config = load_config(text, diag);
  if (config.ok() && diag.ok()) return std::move(config.value());
  err << "tactful " << command << ": " << what << " is rejected by lint (" << diag.errors.size()
      << (diag.errors.size() == 1 ? " error" : " errors") << "; a page would show its default content):\n";
  print_problems(diag, err, /*with_warnings=*/false);
  return std::nullopt;
}

std::optional<Config> read_checked_config(const std::string& path, const std::string& command, std::ostream& err,
                                          int& exit_code) {
  auto text = read_input_file(path);
  if (!text.ok()) {
    err << "tactful " << command << ": --config: " << text.error().message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  auto config = checked_config(*text, command, "--config " + path, err);
  if (!config) exit_code = 1;
  return config;
}

std::optional<Config> read_reporting_config(const std::string& path, const std::string& command, std::ostream& err,
                                            int& exit_code) {
  auto config = read_checked_config(path, command, err, exit_code);
  if (!config || config->reporting.enabled) return config;
  // lint passed, so a section that is there lacks only its key (a template).
  err << "tactful " << command << ": --config " << path << ": "
      << (config->raw.contains("reporting")
              ? "reporting.publicKey: missing: a template config seals no report; set the collector's public key "
                "(tactful keygen --show KEY_FILE prints it; tactful serve --key fills it in when it serves)"
              : "reporting: missing: this config sends no reports (docs/config.md, reporting)")
      << "\n";
  exit_code = 1;
  return std::nullopt;
}

}  // namespace tactful::cli
