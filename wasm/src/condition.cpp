// Conditions follow GrowthBook's `evalCondition` (itself MongoDB-flavoured),
// including its JavaScript coercions, so rules carried over from GrowthBook
// decide the same way here. Everything that can be worked out from the
// condition alone (paths, operand types, regexes, version strings, saved
// groups) is worked out once in `compile_condition`; `matches` only walks
// the attribute object and never allocates on the common paths.
#include "tactful/condition.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>

#include "tactful/number.hpp"
#include "tactful/regex.hpp"
#include "tactful/small_sort.hpp"
#include "tactful/unicode_case.hpp"
#include "tactful/utf8.hpp"
#include "tactful/version.hpp"

namespace tactful {

namespace {

// ---- JavaScript coercions --------------------------------------------------
// An attribute value is `const json*`; nullptr stands for null and for a
// missing attribute, which GrowthBook does not tell apart.

const json* norm(const json& j) { return j.is_null() ? nullptr : &j; }
double num(const json& j) { return j.get<double>(); }  // only called on numbers

// Number::toString (the shortest digits that read back as the same double,
// laid out as JS does), with NaN, the infinities and -0 as JS writes them.
size_t js_number_to_string(double d, char* out) {
  if (d == 0) return std::strcpy(out, "0"), 1;
  if (std::isnan(d)) return std::strcpy(out, "NaN"), 3;
  if (std::isinf(d)) return std::strcpy(out, d < 0 ? "-Infinity" : "Infinity"), d < 0 ? 9 : 8;
  return format_number(d, out);
}

// JavaScript's WhiteSpace and LineTerminator, which Number() trims: ASCII
// blanks, and (as UTF-8) U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000 and U+FEFF. Returns the byte length of the one at the front
// (or, with `back`, at the end) of `s`, 0 when there is none.
size_t js_space_length(std::string_view s, bool back) {
  if (s.empty()) return 0;
  size_t at = 0, n = 0;
  if (back) {
    at = s.size() - 1;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;  // to the last character's lead byte
  }
  const uint32_t cp = decode_utf8(s, at, n);
  const bool space = cp == ' ' || (cp >= 9 && cp <= 13) || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                     cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
  return space && (!back || at + n == s.size()) ? n : 0;
}

// Strings order by UTF-16 code units in JavaScript. UTF-8 byte order is the
// code point order, which differs only where a character beyond U+FFFF (a
// surrogate pair, D800-DFFF) meets one from U+E000 to U+FFFF.
int js_string_compare(std::string_view a, std::string_view b) {
  size_t d = 0;
  while (d < a.size() && d < b.size() && a[d] == b[d]) ++d;
  if (d == a.size() || d == b.size()) return a.size() == b.size() ? 0 : d == a.size() ? -1 : 1;
  size_t i = d;  // the lead byte of the characters that differ (the same in both)
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;
  auto block = [](unsigned char lead) {
    if (lead >= 0xF0) return 1;                  // a surrogate pair: units D800-DBFF
    if (lead == 0xEE || lead == 0xEF) return 2;  // U+E000-U+FFFF
    return 0;
  };
  int x = block(a[i]), y = block(b[i]);
  if (x && y && x != y) return x < y ? -1 : 1;
  return static_cast<unsigned char>(a[d]) < static_cast<unsigned char>(b[d]) ? -1 : 1;
}

// StringToNumber: "" and blanks are 0, "0x1f" hex, "Infinity", decimals;
// anything else is NaN (returned as false).
bool js_string_to_number(std::string_view s, double& out) {
  while (size_t n = js_space_length(s, false)) s.remove_prefix(n);
  while (size_t n = js_space_length(s, true)) s.remove_suffix(n);
  if (s.empty()) return out = 0, true;
  if (s.size() > 2 && s[0] == '0' && std::strchr("xXoObB", s[1])) {
    int base = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'o' ? 8 : 2;
    double v = 0;
    for (char c : s.substr(2)) {
      int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : 99;
      if (d >= base) return false;
      v = v * base + d;
    }
    return out = v, true;
  }
  size_t i = 0;
  bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') ++i;
  if (s.substr(i) == "Infinity") return out = negative ? -HUGE_VAL : HUGE_VAL, true;
  // A JS decimal ("+.5", "007", "5.e3"), which read_decimal reads as it is.
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') ++i, mantissa += digits();
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] | 0x20) == 'e') {
    if (++i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  if (i != s.size()) return false;
  out = read_decimal(s.substr(s[0] == '+'));  // beyond the largest double: ±Infinity, as in JS
  return true;
}

// String(v) for non-string values, appended to `out` (Array.prototype.join
// writes null elements as "").
void append_js_string(const json* v, std::string& out, bool in_array = false) {
  if (!v) {
    if (!in_array) out += "null";
  } else if (v->is_string()) {
    out += v->get_ref<const std::string&>();
  } else if (v->is_boolean()) {
    out += v->get<bool>() ? "true" : "false";
  } else if (v->is_number()) {
    char buf[kNumberTextSize];
    out.append(buf, js_number_to_string(num(*v), buf));
  } else if (v->is_array()) {
    bool first = true;
    for (const auto& e : *v) {
      if (!first) out += ',';
      first = false;
      append_js_string(norm(e), out, true);
    }
  } else {
    out += "[object Object]";
  }
}

// String(v) without allocating for strings, numbers, booleans and null.
struct JsString {
  char buf[kNumberTextSize];
  std::string heap;
  std::string_view of(const json* v) {
    if (v && v->is_string()) return v->get_ref<const std::string&>();
    if (v && v->is_number()) return std::string_view(buf, js_number_to_string(num(*v), buf));
    if (!v) return "null";
    if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
    heap.clear();
    append_js_string(v, heap);
    return heap;
  }
};

// ToNumber; false for NaN.
bool js_to_number(const json* v, double& out) {
  if (!v) return out = 0, true;
  if (v->is_number()) return out = num(*v), true;
  if (v->is_boolean()) return out = v->get<bool>() ? 1 : 0, true;
  if (v->is_string()) return js_string_to_number(v->get_ref<const std::string&>(), out);
  if (v->is_array()) {  // ToPrimitive joins the array first
    JsString s;
    return js_string_to_number(s.of(v), out);
  }
  return false;
}

bool js_truthy(const json* v) {
  if (!v) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return num(*v) != 0;
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  return true;
}

// JSON.stringify(a) === JSON.stringify(b), with object keys compared as sets
// (the JSON type keeps keys sorted, so insertion order is not available).
bool deep_equal(const json* a, const json& b) {
  if (!a) return b.is_null();
  if (a->is_number() && b.is_number()) return num(*a) == num(b);
  if (a->type() != b.type()) return false;
  if (a->is_array()) {
    if (a->size() != b.size()) return false;
    for (size_t i = 0; i < a->size(); ++i)
      if (!deep_equal(norm((*a)[i]), b[i])) return false;
    return true;
  }
  if (a->is_object()) {
    if (a->size() != b.size()) return false;
    for (auto it = a->begin(); it != a->end(); ++it) {
      const json* other = b.find_ptr(it.key());
      if (!other || !deep_equal(norm(it.value()), *other)) return false;
    }
    return true;
  }
  return *a == b;
}

// Error messages are joined out of line: a concatenation per message costs
// more wasm than the message.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) out.append(part.data(), part.size());
  return out;
}

// ---- compiled nodes -------------------------------------------------------

// Attribute paths get process-wide ids at compile time, so a snapshot can
// remember each path's value in a plain array. Compilation runs when a config
// loads, not concurrently.
std::vector<std::string>& interned_paths() {
  static std::vector<std::string> paths;
  return paths;
}
uint32_t intern_path(const std::string& path) {
  auto& paths = interned_paths();
  auto it = std::find(paths.begin(), paths.end(), path);
  if (it != paths.end()) return static_cast<uint32_t>(it - paths.begin());
  paths.push_back(path);
  return static_cast<uint32_t>(paths.size() - 1);
}
const json kUnresolvedMarker;
const json* const kUnresolved = &kUnresolvedMarker;

struct Segment {
  std::string key;
  long index = -1;  // the key as an array index, when it is one
};

struct Path {
  std::vector<Segment> segments;
  uint32_t id = 0;  // interned: the same dotted path has the same id everywhere

  // getPath: follows objects (and arrays, by index or `length`); anything
  // else along the way makes the value null. `scratch` holds a length.
  const json* resolve(const json* v, std::optional<json>& scratch) const {
    for (const auto& seg : segments) {
      if (!v) return nullptr;
      if (v->is_object()) {
        const json* member = v->find_ptr(seg.key);
        if (!member) return nullptr;
        v = norm(*member);
      } else if (v->is_array()) {
        if (seg.index >= 0 && static_cast<size_t>(seg.index) < v->size()) {
          v = norm((*v)[static_cast<size_t>(seg.index)]);
        } else if (seg.key == "length") {
          scratch.emplace(static_cast<std::uint64_t>(v->size()));
          v = &*scratch;
        } else {
          return nullptr;
        }
      } else {
        return nullptr;
      }
    }
    return v;
  }
};

// The right-hand side of $in / $nin / saved groups: JS `includes` compares
// primitives by type and value, so strings and numbers get sorted lookups.
struct InList {
  std::vector<std::string> strings;  // lower-cased when insensitive
  std::vector<double> numbers;
  bool has_null = false, has_true = false, has_false = false, insensitive = false;

  bool contains_one(const json* v) const {
    if (!v) return has_null;
    if (v->is_boolean()) return v->get<bool>() ? has_true : has_false;
    if (v->is_number()) return std::binary_search(numbers.begin(), numbers.end(), num(*v));
    if (!v->is_string()) return false;  // arrays and objects are never `includes`d
    const std::string& s = v->get_ref<const std::string&>();
    if (!insensitive && strings.size() > 8) return std::binary_search(strings.begin(), strings.end(), s);
    if (!insensitive) {  // a short list (a few countries) is quicker to scan
      for (const auto& candidate : strings)
        if (candidate.size() == s.size() && std::memcmp(candidate.data(), s.data(), s.size()) == 0) return true;
      return false;
    }
    for (const auto& candidate : strings)
      if (equals_js_lower(s, candidate)) return true;
    return false;
  }
  // isIn: an array attribute matches when any element is in the list.
  bool contains(const json* v) const {
    if (v && v->is_array()) {
      for (const auto& e : *v)
        if (contains_one(norm(e))) return true;
      return false;
    }
    return contains_one(v);
  }
};

struct ValueTest;
struct Op;

struct Clause {
  enum Kind : uint8_t { kField, kAnd, kOr, kNor, kNot } kind;
  Path path;
  std::vector<ValueTest> value;        // kField: exactly one
  std::vector<ConditionNode> children;  // kAnd/kOr/kNor: the list; kNot: one
};

}  // namespace

struct ConditionNode {
  std::vector<Clause> clauses;
  bool never = false;  // the condition that failed to compile matches nothing
  // `snapshot`, when given, holds `object`'s paths already looked up.
  bool matches(const json* object, const AttributeSnapshot* snapshot = nullptr) const;
};

namespace {

enum class OpKind : uint8_t {
  kEq, kNe, kLt, kLte, kGt, kGte, kExists, kIn, kNin, kNot, kSize, kElemMatch, kAll,
  kRegex, kType, kVeq, kVne, kVgt, kVgte, kVlt, kVlte,
};

struct ValueTest {
  enum Kind : uint8_t { kString, kNumber, kBool, kNull, kDeep, kOps } kind = kNull;
  bool insensitive = false;  // string equality inside $alli
  bool flag = false;         // kBool
  bool string_is_number = false;
  double number = 0;   // kNumber; for kString, the number whose String() it is
  std::string text;    // kString (lower-cased when insensitive)
  json literal;        // kDeep
  std::vector<Op> ops;  // kOps

  bool test(const json* v) const;
};

struct Op {
  OpKind kind;
  uint8_t type = 0;           // $type: index into kTypeNames
  bool flag = false;          // $exists operand
  json operand;               // $eq $ne $lt...: a string or a number (or bool/null for $eq/$ne)
  std::string version;        // $v*: padded
  std::unique_ptr<InList> list;
  std::vector<ValueTest> values;           // $not $size $elemMatch(operators): one; $all: the items
  std::vector<ConditionNode> condition;    // $elemMatch on objects: one
  std::unique_ptr<Regex> regex;

  bool test(const json* v) const;
};

const char* const kTypeNames[] = {"null", "array", "string", "number", "boolean", "object", "undefined"};

uint8_t type_of(const json* v) {
  if (!v) return 0;
  if (v->is_array()) return 1;
  if (v->is_string()) return 2;
  if (v->is_number()) return 3;
  if (v->is_boolean()) return 4;
  return 5;
}

// Abstract relational comparison (`a < b` in JS): -1, 0, 1, or 2 when
// undefined (a NaN side), which makes every ordering operator false.
int js_compare(const json* a, const json& b) {
  if (a && a->is_number() && b.is_number()) {
    double x = num(*a), y = num(b);
    return x < y ? -1 : x > y;
  }
  bool a_stringish = a && (a->is_string() || a->is_array() || a->is_object());
  if (a_stringish && b.is_string()) {
    JsString s;
    return js_string_compare(s.of(a), b.get_ref<const std::string&>());
  }
  double x, y;
  if (!js_to_number(a, x) || !js_to_number(&b, y)) return 2;
  return x < y ? -1 : x > y;
}

std::string version_of(const json* v) {
  if (v && v->is_number()) {
    char buf[kNumberTextSize];
    return padded_version_string(std::string_view(buf, js_number_to_string(num(*v), buf)));
  }
  if (v && v->is_string()) return padded_version_string(v->get_ref<const std::string&>());
  return padded_version_string("0");
}

bool Op::test(const json* v) const {
  switch (kind) {
    case OpKind::kEq:
    case OpKind::kNe: {
      bool same = !v ? operand.is_null()
                     : (v->is_number() && operand.is_number()) ? num(*v) == num(operand)
                                                               : v->type() == operand.type() && *v == operand;
      return same == (kind == OpKind::kEq);
    }
    case OpKind::kLt: return js_compare(v, operand) == -1;
    case OpKind::kLte: { int c = js_compare(v, operand); return c == -1 || c == 0; }
    case OpKind::kGt: return js_compare(v, operand) == 1;
    case OpKind::kGte: { int c = js_compare(v, operand); return c == 1 || c == 0; }
    case OpKind::kExists: return flag == (v != nullptr);
    case OpKind::kIn: return list->contains(v);
    case OpKind::kNin: return !list->contains(v);
    case OpKind::kNot: return !values[0].test(v);
    case OpKind::kSize: {
      if (!v || !v->is_array()) return false;
      json size(static_cast<std::uint64_t>(v->size()));
      return values[0].test(&size);
    }
    case OpKind::kElemMatch:
      if (!v || !v->is_array()) return false;
      for (const auto& e : *v) {
        const json* item = norm(e);
        // GrowthBook skips null elements only: 0, "" and false are tested like
        // any other (its SDK stopped skipping every falsy element in 2026).
        if (!item) continue;
        if (condition.empty() ? values[0].test(item) : condition[0].matches(item)) return true;
      }
      return false;
    case OpKind::kAll:
      if (!v || !v->is_array()) return false;
      for (const auto& want : values) {
        bool found = false;
        for (const auto& e : *v)
          if ((found = want.test(norm(e)))) break;
        if (!found) return false;
      }
      return true;
    case OpKind::kRegex: {
      JsString s;
      return regex->search(s.of(v));
    }
    case OpKind::kType: return type_of(v) == type;
    default: {
      std::string actual = version_of(v);
      int c = js_string_compare(actual, version);
      switch (kind) {
        case OpKind::kVeq: return c == 0;
        case OpKind::kVne: return c != 0;
        case OpKind::kVgt: return c > 0;
        case OpKind::kVgte: return c >= 0;
        case OpKind::kVlt: return c < 0;
        default: return c <= 0;  // $vlte
      }
    }
  }
}

bool ValueTest::test(const json* v) const {
  switch (kind) {
    case kString:
      if (!insensitive && v && v->is_number() && string_is_number) return num(*v) == number;
      {
        JsString s;
        std::string_view actual = s.of(v);
        return insensitive ? equals_js_lower(actual, text) : actual == text;
      }
    case kNumber: {
      double x;
      return js_to_number(v, x) && x == number;
    }
    case kBool: return v && js_truthy(v) == flag;
    case kNull: return !v;
    case kDeep: return deep_equal(v, literal);
    case kOps:
      for (const auto& op : ops)
        if (!op.test(v)) return false;
      return true;
  }
  return false;
}

}  // namespace

bool ConditionNode::matches(const json* object, const AttributeSnapshot* snapshot) const {
  if (never) return false;
  for (const auto& c : clauses) {
    switch (c.kind) {
      case Clause::kField: {
        std::optional<json> scratch;  // only a computed `length` lives here
        const json* value;
        if (snapshot && c.path.id < snapshot->resolved_.size()) {
          const json*& cached = snapshot->resolved_[c.path.id];
          if (cached == kUnresolved) {
            value = c.path.resolve(object, scratch);
            if (!scratch) cached = value;  // a computed length is not cached
          } else {
            value = cached;
          }
        } else {
          value = c.path.resolve(object, scratch);
        }
        if (!c.value[0].test(value)) return false;
        break;
      }
      case Clause::kAnd:
        for (const auto& child : c.children)
          if (!child.matches(object, snapshot)) return false;
        break;
      case Clause::kOr:
      case Clause::kNor: {
        bool any = c.children.empty();  // GrowthBook: an empty $or is true
        for (const auto& child : c.children)
          if ((any = child.matches(object, snapshot))) break;
        if (any != (c.kind == Clause::kOr)) return false;
        break;
      }
      case Clause::kNot:
        if (c.children[0].matches(object, snapshot)) return false;
        break;
    }
  }
  return true;
}

namespace {

// ---- compilation ----------------------------------------------------------

// What each operator takes; compilation checks it once.
enum Operand : uint8_t {
  kPrimitive, kNumberOrString, kBoolean, kList, kListInsensitive, kGroup, kValue, kElements, kValues,
  kValuesInsensitive, kPattern, kPatternInsensitive, kTypeName, kVersion, kLogical,
};
struct OpSpec {
  const char* name;
  OpKind kind;
  Operand operand;
};
const OpSpec kOperators[] = {
    {"$eq", OpKind::kEq, kPrimitive},          {"$ne", OpKind::kNe, kPrimitive},
    {"$gt", OpKind::kGt, kNumberOrString},     {"$gte", OpKind::kGte, kNumberOrString},
    {"$lt", OpKind::kLt, kNumberOrString},     {"$lte", OpKind::kLte, kNumberOrString},
    {"$in", OpKind::kIn, kList},               {"$nin", OpKind::kNin, kList},
    {"$ini", OpKind::kIn, kListInsensitive},   {"$nini", OpKind::kNin, kListInsensitive},
    {"$inGroup", OpKind::kIn, kGroup},         {"$notInGroup", OpKind::kNin, kGroup},
    {"$all", OpKind::kAll, kValues},           {"$alli", OpKind::kAll, kValuesInsensitive},
    {"$elemMatch", OpKind::kElemMatch, kElements}, {"$size", OpKind::kSize, kValue},
    {"$not", OpKind::kNot, kValue},            {"$exists", OpKind::kExists, kBoolean},
    {"$type", OpKind::kType, kTypeName},       {"$regex", OpKind::kRegex, kPattern},
    {"$regexi", OpKind::kRegex, kPatternInsensitive},
    {"$veq", OpKind::kVeq, kVersion},          {"$vne", OpKind::kVne, kVersion},
    {"$vgt", OpKind::kVgt, kVersion},          {"$vgte", OpKind::kVgte, kVersion},
    {"$vlt", OpKind::kVlt, kVersion},          {"$vlte", OpKind::kVlte, kVersion},
    {"$and", OpKind::kEq, kLogical},           {"$or", OpKind::kEq, kLogical},
    {"$nor", OpKind::kEq, kLogical},
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The known operator nearest to a misspelt one, if any is near.
const char* nearest_operator(std::string_view name) {
  const char* best = nullptr;
  size_t best_distance = 3;
  for (const auto& op : kOperators) {
    size_t d = edit_distance(name, op.name);
    if (d < best_distance) best = op.name, best_distance = d;
  }
  return best;
}

std::string unknown_operator(const std::string& name) {
  const char* near = nearest_operator(name);
  if (!near || name == near) return cat({"unknown operator ", name});
  return cat({"unknown operator ", name, " (did you mean ", near, "?)"});
}

bool is_operator_object(const json& j) {
  if (!j.is_object() || j.empty()) return false;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key().empty() || it.key()[0] != '$') return false;
  return true;
}

class Compiler {
 public:
  Compiler(const json& saved_groups, Diagnostics& diag, std::vector<std::string>& paths, const std::string& root)
      : groups_(saved_groups), diag_(diag), paths_(paths), root_(root) {}

  bool failed() const { return failed_; }
  size_t regex_steps = 0;

  ConditionNode condition(const json& c, const std::string& path, const std::string& prefix) {
    ConditionNode node;
    Depth guard(*this);
    if (guard.too_deep()) {
      error(path, "conditions nested too deeply (more than 32 levels)");
      return node;
    }
    if (!c.is_object()) {
      error(path, cat({"a condition must be an object, not ", c.type_name()}));
      return node;
    }
    for (auto it = c.begin(); it != c.end(); ++it) {
      const std::string& key = it.key();
      const json& v = it.value();
      std::string here = join_path(path, key);
      Clause clause;
      if (key == "$and" || key == "$or" || key == "$nor") {
        clause.kind = key == "$and" ? Clause::kAnd : key == "$or" ? Clause::kOr : Clause::kNor;
        if (!v.is_array()) {
          error(here, cat({key, " needs an array of conditions"}));
          continue;
        }
        for (size_t i = 0; i < v.size(); ++i) clause.children.push_back(condition(v[i], join_path(here, i), prefix));
      } else if (key == "$not") {
        clause.kind = Clause::kNot;
        clause.children.push_back(condition(v, here, prefix));
      } else if (key == "$savedGroup") {
        // GrowthBook 1.x reads this key as a reference to a saved group of its
        // newer kinds (lists with their own attribute, whole conditions); taken
        // as an attribute name it would quietly never match.
        error(here, "$savedGroup references are not supported: use {\"attribute\": {\"$inGroup\": \"group id\"}}");
        continue;
      } else {
        if (key[0] == '$' && nearest_operator(key)) {
          // GrowthBook would read "$in" here as an attribute named "$in"; it is
          // far more likely a misplaced or misspelt operator.
          error(here, nearest_operator(key) == key
                          ? cat({"operator ", key, " must be applied to an attribute, as in {\"attribute\": {\"", key,
                                 "\": ...}}"})
                          : unknown_operator(key));
          continue;
        }
        clause.kind = Clause::kField;
        std::string attribute = prefix.empty() ? key : cat({prefix, ".", key});
        record(attribute);
        // Paths inside $elemMatch are relative to an element: never snapshot-cached.
        clause.path.id = prefix.empty() ? intern_path(key) : UINT32_MAX;
        size_t start = 0;
        for (size_t i = 0; i <= key.size(); ++i) {
          if (i < key.size() && key[i] != '.') continue;
          Segment seg;
          seg.key = key.substr(start, i - start);
          if (!seg.key.empty() && seg.key.size() < 10 && (seg.key == "0" || seg.key[0] != '0') &&
              seg.key.find_first_not_of("0123456789") == std::string::npos)
            seg.index = std::atol(seg.key.c_str());
          clause.path.segments.push_back(std::move(seg));
          start = i + 1;
        }
        clause.value.push_back(value(v, here, attribute, false));
      }
      node.clauses.push_back(std::move(clause));
    }
    return node;
  }

 private:
  // Said at the condition's own path, as config errors are
  // ("slots[2].variants[0].condition: unknown operator $regx"), with where
  // inside it after the reason ("..., in visits.count.$regx").
  void error(const std::string& path, const std::string& message) {
    failed_ = true;
    if (path.size() <= root_.size() || path.compare(0, root_.size(), root_) != 0) return diag_.error(path, message);
    size_t inner = root_.size() + (path[root_.size()] == '.');
    diag_.error(root_, cat({message, ", in ", std::string_view(path).substr(inner)}));
  }
  void record(const std::string& attribute) {
    if (std::find(paths_.begin(), paths_.end(), attribute) == paths_.end()) paths_.push_back(attribute);
  }

  // evalConditionValue's operand: a literal to compare with, or an object of operators.
  ValueTest value(const json& c, const std::string& path, const std::string& attribute, bool insensitive) {
    ValueTest t;
    Depth guard(*this);
    if (guard.too_deep()) {
      error(path, "conditions nested too deeply (more than 32 levels)");
      return t;
    }
    if (c.is_string()) {
      t.kind = ValueTest::kString;
      t.insensitive = insensitive;
      const std::string& s = c.get_ref<const std::string&>();
      t.text = insensitive ? js_lower(s) : s;
      // A number equals this string exactly when String(number) spells it.
      double d;
      char buf[kNumberTextSize];
      if (js_string_to_number(s, d) && std::string_view(buf, js_number_to_string(d, buf)) == s) {
        t.string_is_number = true;
        t.number = d;
      }
    } else if (c.is_number()) {
      t.kind = ValueTest::kNumber;
      t.number = num(c);
    } else if (c.is_boolean()) {
      t.kind = ValueTest::kBool;
      t.flag = c.get<bool>();
    } else if (c.is_null()) {
      t.kind = ValueTest::kNull;
    } else if (!is_operator_object(c)) {
      for (auto it = c.begin(); c.is_object() && it != c.end(); ++it) {
        if (!it.key().empty() && it.key()[0] == '$') {
          error(join_path(path, it.key()), cat({"operators cannot be mixed with plain keys (", it.key(),
                                               " is an operator here, so the object is not compared literally)"}));
          return t;
        }
      }
      t.kind = ValueTest::kDeep;
      t.literal = c;
    } else {
      t.kind = ValueTest::kOps;
      for (auto it = c.begin(); it != c.end(); ++it) {
        Op op;
        if (operation(it.key(), it.value(), join_path(path, it.key()), attribute, op)) t.ops.push_back(std::move(op));
      }
    }
    return t;
  }

  std::unique_ptr<InList> in_list(const json& items, bool insensitive, const std::string& path,
                                        const char* what) {
    auto list = std::make_unique<InList>();
    list->insensitive = insensitive;
    for (const auto& item : items) {
      if (item.is_string()) {
        list->strings.push_back(insensitive ? js_lower(item.get_ref<const std::string&>())
                                            : item.get<std::string>());
      } else if (item.is_number()) {
        list->numbers.push_back(num(item));
      } else if (item.is_boolean()) {
        (item.get<bool>() ? list->has_true : list->has_false) = true;
      } else if (item.is_null()) {
        list->has_null = true;
      } else {
        error(path, cat({what, " may hold only strings, numbers, booleans and null (an array or object never matches)"}));
        break;
      }
    }
    small_sort(list->strings);
    small_sort(list->numbers);
    return list;
  }

  bool operation(const std::string& name, const json& v, const std::string& path, const std::string& attribute,
                 Op& op) {
    const OpSpec* spec = nullptr;
    for (const auto& candidate : kOperators)
      if (name == candidate.name) spec = &candidate;
    if (!spec) {
      error(path, unknown_operator(name));
      return false;
    }
    if (spec->operand == kLogical) {
      // GrowthBook answers false here; say what was probably meant.
      error(path, cat({name, " combines conditions, so it cannot test a value: put it around them, as in {\"", name,
                       "\": [{\"", attribute, "\": ...}, ...]}"}));
      return false;
    }
    op.kind = spec->kind;
    auto bad = [&](const char* needs) {
      error(path, cat({name, " needs ", needs, ", not ", v.type_name()}));
      return false;
    };
    switch (spec->operand) {
      case kLogical:
        break;  // refused above
      case kPrimitive:  // $eq $ne
        if (v.is_array() || v.is_object())
          return bad("one value (to compare a whole array or object, give it without the operator)");
        op.operand = v;
        break;
      case kNumberOrString:
        if (!v.is_number() && !v.is_string()) return bad("a number or a string");
        op.operand = v;
        break;
      case kBoolean:
        if (!v.is_boolean() && !v.is_number()) return bad("true or false");
        op.flag = js_truthy(&v);
        break;
      case kList:
      case kListInsensitive:
        if (!v.is_array()) return bad("an array");
        op.list = in_list(v, spec->operand == kListInsensitive, path, name.c_str());
        break;
      case kGroup: {
        if (!v.is_string()) return bad("a saved group id (a string)");
        const std::string& id = v.get_ref<const std::string&>();
        const json* group = groups_.find_ptr(id);
        if (!group) {
          diag_.warn(path, cat({"unknown saved group '", id, "': treated as empty"}));
          op.list = std::make_unique<InList>();
        } else if (!group->is_array()) {
          error(path, cat({"saved group '", id, "' must be an array, not ", group->type_name()}));
          return false;
        } else {
          op.list = in_list(*group, false, path, cat({"saved group '", id, "'"}).c_str());
        }
        break;
      }
      case kValue:  // $not $size
        op.values.push_back(value(v, path, attribute, false));
        break;
      case kElements:  // $elemMatch
        if (!v.is_object()) return bad("an object (a condition on the elements)");
        if (is_operator_object(v)) op.values.push_back(value(v, path, attribute, false));
        else op.condition.push_back(condition(v, path, attribute));
        break;
      case kValues:
      case kValuesInsensitive:  // $all $alli
        if (!v.is_array()) return bad("an array");
        for (size_t i = 0; i < v.size(); ++i)
          op.values.push_back(value(v[i], join_path(path, i), attribute, spec->operand == kValuesInsensitive));
        break;
      case kPattern:
      case kPatternInsensitive: {
        if (!v.is_string()) return bad("a pattern string");
        auto re = Regex::compile(v.get_ref<const std::string&>(), spec->operand == kPatternInsensitive);
        if (!re) {
          error(path, cat({"unsupported or invalid regex: ", re.error().message}));
          return false;
        }
        op.regex = std::make_unique<Regex>(std::move(re).value());
        regex_steps += op.regex->steps();
        break;
      }
      case kTypeName:
        op.type = 255;
        for (uint8_t i = 0; v.is_string() && i < 7; ++i)
          if (v.get_ref<const std::string&>() == kTypeNames[i]) op.type = i;
        if (op.type == 255) return bad("one of null, array, string, number, boolean, object, undefined");
        break;
      case kVersion:
        if (!v.is_string() && !v.is_number()) return bad("a version string");
        op.version = version_of(&v);
        break;
    }
    return true;
  }

  // Compilation and evaluation recurse; a bounded depth keeps a hostile config
  // from exhausting the (small, wasm) stack.
  struct Depth {
    explicit Depth(Compiler& c) : c_(c) { ++c_.depth_; }
    ~Depth() { --c_.depth_; }
    bool too_deep() const { return c_.depth_ > 32; }
    Compiler& c_;
  };
  int depth_ = 0;
  const json& groups_;
  Diagnostics& diag_;
  std::vector<std::string>& paths_;
  const std::string& root_;  // the condition's own path, where errors are said
  bool failed_ = false;
};

}  // namespace

Condition::Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;
Condition::~Condition() = default;

bool Condition::matches(const json& attributes) const { return !root_ || root_->matches(norm(attributes)); }

bool Condition::matches(const AttributeSnapshot& attributes) const {
  return !root_ || root_->matches(norm(attributes.attributes()), &attributes);
}

AttributeSnapshot::AttributeSnapshot(const json& attributes)
    : root_(&attributes), resolved_(interned_paths().size(), kUnresolved) {}

const std::vector<std::string>& Condition::attribute_paths() const { return paths_; }

bool Condition::empty() const { return !root_ || (root_->clauses.empty() && !root_->never); }

Condition compile_condition(const json& condition, const json& saved_groups, const std::string& path,
                            Diagnostics& diag) {
  Condition out;
  if (condition.is_null()) return out;  // no condition: always applies
  Compiler compiler(saved_groups, diag, out.paths_, path);
  auto node = std::make_unique<ConditionNode>(compiler.condition(condition, path, ""));
  if (compiler.failed()) {
    node->clauses.clear();
    node->never = true;
  }
  out.root_ = std::move(node);
  out.regex_steps_ = compiler.regex_steps;
  return out;
}

// FNV-1a (32-bit) over UTF-16 code units, as GrowthBook's JS computes it.
static uint32_t fnv1a32(std::string_view s) {
  uint32_t h = 0x811c9dc5u;
  Utf16Reader units(s);
  for (int u = units.next(); u >= 0; u = units.next()) {
    h ^= static_cast<uint32_t>(u);
    h *= 16777619u;
  }
  return h;
}

std::optional<double> growthbook_hash(const std::string& seed, const std::string& value, int version) {
  if (version == 1) return (fnv1a32(value + seed) % 1000) / 1000.0;
  if (version == 2) return (fnv1a32(std::to_string(fnv1a32(seed + value))) % 10000) / 10000.0;
  return std::nullopt;
}

}  // namespace tactful
