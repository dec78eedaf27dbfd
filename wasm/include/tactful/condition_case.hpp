// One condition test case, {"condition": {...}, "attributes": {...},
// "savedGroups": {...}}, read strictly and evaluated with the compiled
// conditions a config uses: `tactful eval` takes one per line, the engine's
// `eval` operation one per call (the GrowthBook conformance rows run through both).
#pragma once
#include <vector>

#include "tactful/json.hpp"
#include "tactful/result.hpp"

namespace tactful {

struct ConditionCaseResult {
  bool matches = false;
  // Why the condition does not compile, under "condition...": it then matches
  // nothing, as in GrowthBook (a config holding it is rejected at load).
  std::vector<Error> problems;
  std::vector<Error> warnings;  // e.g. an unknown saved group, treated as empty
};

// An error when `input` is not such a case: not an object, no "condition"
// (or null: the empty condition {} matches everything, so a missing one must
// not stand for it), an unknown key (a typo such as "conditon"), attributes
// or savedGroups that are not objects.
Result<ConditionCaseResult> evaluate_condition_case(const json& input);

}  // namespace tactful
