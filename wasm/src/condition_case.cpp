#include "tactful/condition_case.hpp"

#include "tactful/condition.hpp"
#include "tactful/config_read.hpp"

namespace tactful {

namespace {
const json& empty_object() {
  static const json empty = json::object();
  return empty;
}
}  // namespace

Result<ConditionCaseResult> evaluate_condition_case(const json& input) {
  if (!input.is_object()) {
    return make_error(
        "", std::string("expected an object {\"condition\": ..., \"attributes\": ..., \"savedGroups\": ...}, not ") +
                input.type_name());
  }
  for (const auto& item : input.items()) {
    if (!is_one_of(item.key(), "condition attributes savedGroups")) {
      return make_error(item.key(), "unknown key (expected condition, attributes, savedGroups)");
    }
  }
  const json* condition = input.find_ptr("condition");
  if (!condition || condition->is_null()) return make_error("condition", "missing (the condition to evaluate)");
  const json* attributes = input.find_ptr("attributes");
  const json* groups = input.find_ptr("savedGroups");
  if (attributes && !attributes->is_object()) {
    return make_error("attributes", std::string("must be an object, not ") + attributes->type_name());
  }
  if (groups && !groups->is_object()) {
    return make_error("savedGroups", std::string("must be an object, not ") + groups->type_name());
  }
  Diagnostics diag;
  Condition compiled = compile_condition(*condition, groups ? *groups : empty_object(), "condition", diag);
  ConditionCaseResult result;
  result.matches = compiled.matches(attributes ? *attributes : empty_object());
  result.problems = std::move(diag.errors);
  result.warnings = std::move(diag.warnings);
  return result;
}

}  // namespace tactful
