#pragma once
// JavaScript's String.prototype.toLowerCase on UTF-8 text, for the
// case-insensitive condition operators ($ini, $nini, $alli), which GrowthBook
// evaluates with toLowerCase(): "ESPAÑA" matches "españa". $regexi keeps
// JavaScript's own rule for the `i` flag (ASCII letters only, for a pattern
// without non-ASCII characters: regex.cpp).
#include <string>
#include <string_view>

namespace tactful {

// Every code point's lowercase; U+0130 becomes "i" + U+0307, and a Greek
// capital sigma ending a word becomes the final ς.
std::string js_lower(std::string_view utf8);

// js_lower(text) == lowered, with no string built for ASCII text.
bool equals_js_lower(std::string_view text, std::string_view lowered);

}  // namespace tactful
