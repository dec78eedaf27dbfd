// A small regular-expression engine for `$regex` / `$regexi` conditions:
// JavaScript syntax and matching (`RegExp.prototype.test`, UTF-16 code units,
// no `u` flag), run as a Thompson NFA simulation so every search is linear in
// the text, whatever the pattern. Constructs it cannot honour exactly
// (backreferences, lookaround, named groups, Unicode property escapes, ...)
// are rejected when the pattern compiles, never silently mismatched.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tactful/result.hpp"

namespace tactful {

class Regex {
 public:
  // Compiles a JS-syntax pattern (as written between the slashes of /.../).
  // `ignore_case` is the `i` flag. The error message names the problem and its
  // character offset; the error's path is empty (the caller knows where the
  // pattern came from).
  static Result<Regex> compile(std::string_view pattern, bool ignore_case = false);

  // Whether the pattern matches anywhere in `text` (UTF-8), like JS `test`.
  bool search(std::string_view text) const;
  // The program's size: a search does at most about this much work per
  // UTF-16 unit of text.
  size_t steps() const { return program_.size(); }

  struct Inst {
    uint8_t op;
    bool negated;     // character classes
    uint16_t unit;    // literal code unit (lower-cased under ignore_case)
    uint32_t x, y;    // jump targets, or class range offset / count
  };

 private:
  std::vector<Inst> program_;
  std::vector<uint16_t> ranges_;  // class ranges as [lo, hi] pairs
  bool ignore_case_ = false;
  friend class RegexCompiler;
};

}  // namespace tactful
