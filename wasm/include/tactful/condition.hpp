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

// The attributes of one decision. Every attribute path is looked up in the
// JSON at most once, however many conditions read it: a page's 200 slots read
// the same few paths. Build one per decision (it points into `attributes`,
// which must outlive it and stay unchanged), then call `matches` with it.
class AttributeSnapshot {
 public:
  explicit AttributeSnapshot(const json& attributes);
  const json& attributes() const { return *root_; }

 private:
  friend struct ConditionNode;
  const json* root_;
  mutable std::vector<const json*> resolved_;  // by path id; kUnresolved until read
};

class Condition {
 public:
  Condition();  // the empty condition: matches everything
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  ~Condition();
  // Whether `attributes` (a JSON object; dot paths reach into it) satisfy it.
  bool matches(const json& attributes) const;
  // The same, reading attribute paths through a decision's snapshot (faster
  // when many conditions are evaluated against the same attributes).
  bool matches(const AttributeSnapshot& attributes) const;
  // The attribute paths it reads ("interests.trail-running", "visits.count"),
  // for explanations and guardrails.
  const std::vector<std::string>& attribute_paths() const;
  bool empty() const;
  // The size of its regexes' programs, added up: what one character of an
  // attribute can cost it at most (Regex::steps).
  size_t regex_steps() const { return regex_steps_; }

 private:
  friend Condition compile_condition(const json&, const json&, const std::string&, Diagnostics&);
  std::unique_ptr<const ConditionNode> root_;
  std::vector<std::string> paths_;
  size_t regex_steps_ = 0;
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
