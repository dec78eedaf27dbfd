// The one JSON type of the core. Built with JSON_NOEXCEPTION everywhere:
// parse with `parse_json`, never with throwing accessors (`at`, implicit
// conversions of the wrong type abort).
#pragma once
#include <nlohmann/json.hpp>
#include <string_view>

#include "tactful/result.hpp"

namespace tactful {

using json = nlohmann::json;

// Parses text into JSON, or an error naming the byte offset of the problem.
Result<json> parse_json(std::string_view text);

// Path helpers so every error names where it is: join_path("slots", 2) -> "slots[2]",
// join_path("slots[2]", "variants") -> "slots[2].variants".
std::string join_path(const std::string& base, const std::string& key);
std::string join_path(const std::string& base, size_t index);

}  // namespace tactful
