// Everything wrong (errors) or doubtful (warnings) found in an input, each with
// its JSON path. A config with any error is rejected; warnings are the linter's.
#pragma once
#include <string>
#include <vector>

#include "tactful/result.hpp"

namespace tactful {

struct Diagnostics {
  std::vector<Error> errors;
  std::vector<Error> warnings;

  void error(std::string path, std::string message);
  void warn(std::string path, std::string message);
  // Most messages are literals: taken as they are, a call site builds and
  // destroys no std::string for them.
  void error(const std::string& path, const char* message);
  void warn(const std::string& path, const char* message);
  void error(const char* path, const char* message);
  void warn(const char* path, const char* message);
  // At `base`.`key` (join_path), joined here rather than at each call site.
  void error_at(const std::string& base, const char* key, const char* message);
  void warn_at(const std::string& base, const char* key, const char* message);
  bool ok() const { return errors.empty(); }
};

}  // namespace tactful
