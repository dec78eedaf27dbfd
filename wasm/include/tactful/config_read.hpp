// Small checks every config section makes, in one place (each was written
// out at every use). Messages stay the caller's: they are part of the
// documented output (docs/config.md), so only the mechanics are shared.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"

namespace tactful {

// Whether `key` is one of the space-separated words of `words` ("id label sensitive").
bool is_one_of(std::string_view key, const char* words);

// The whole number `v` is, however the JSON spelled it: JSON.parse reads 150,
// 150.0 and 1.5e2 as one number, so a config written by a tool that keeps
// floats means the same. Empty for a fraction, a non-number, or one beyond
// ±2^53 (where JavaScript's numbers stop being exact).
std::optional<int64_t> whole_number(const json& v);

// Reports each member of the object `node` whose key is not one of `known`
// (space-separated) as `message` at path.key; a warning rather than an error
// when `warn_only`.
void check_keys(const json& node, const std::string& path, const char* known, const char* message, Diagnostics& diag,
                bool warn_only = false);

// Warns of each key of a per-language text object ({"en": ..., "es": ...})
// that is not a language visitors are shown: a typo such as "enn" would
// otherwise leave those visitors the fallback text without a word. A warning,
// not an error: a site that also writes French loses nothing by it.
void check_languages(const json& texts, const std::string& path, Diagnostics& diag);

// A text shown to visitors: one string, or an object of strings per language
// (checked with check_languages).
void check_visitor_text(const json& node, const std::string& path, Diagnostics& diag);

}  // namespace tactful
