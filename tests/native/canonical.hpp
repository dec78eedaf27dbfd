// Replies and stored records are written as JSON text directly (no json value
// dumped); they must be exactly what json::dump() gives for the same value:
// keys in byte order, numbers as JavaScript writes them.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "tactful/json.hpp"

inline tactful::json parse_canonical(const std::string& text) {
  tactful::json parsed = tactful::json::parse(text);
  CHECK_MESSAGE(parsed.dump() == text, "not canonical JSON: " << text);
  return parsed;
}
