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

  void error(std::string path, std::string message) { errors.push_back({std::move(path), std::move(message)}); }
  void warn(std::string path, std::string message) { warnings.push_back({std::move(path), std::move(message)}); }
  bool ok() const { return errors.empty(); }
};

}  // namespace tactful
