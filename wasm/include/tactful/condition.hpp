// Targeting conditions with MongoDB / GrowthBook semantics, compiled once when
// the config loads and then evaluated many times against an attribute object.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"

namespace tactful {

struct ConditionNode;  // private to condition.cpp

class Condition {
 public:
  Condition();  // the empty condition: matches everything
  // Whether `attributes` (a JSON object; dot paths reach into it) satisfy it.
  bool matches(const json& attributes) const;
  // The attribute paths it reads ("interests.trail-running", "visits.count"),
  // for explanations and guardrails.
  const std::vector<std::string>& attribute_paths() const;
  bool empty() const;

 private:
  friend Condition compile_condition(const json&, const json&, const std::string&, Diagnostics&);
  std::shared_ptr<const ConditionNode> root_;
  std::vector<std::string> paths_;
};

// Compiles `condition`; `saved_groups` is an object of id -> array for
// $inGroup / $notInGroup. Problems go to `diag` under `path`
// (e.g. "slots[2].variants[0].condition.$regx: unknown operator $regx"); the
// result is then the condition that matches nothing.
Condition compile_condition(const json& condition, const json& saved_groups, const std::string& path,
                            Diagnostics& diag);

// GrowthBook's bucketing hash (FNV-1a 32, versions 1 and 2): a number in [0, 1),
// or nullopt for an unknown version.
std::optional<double> growthbook_hash(const std::string& seed, const std::string& value, int version);

}  // namespace tactful
