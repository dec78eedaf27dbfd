#include "tactful/json.hpp"

#include <cmath>

#include "tactful/diagnostics.hpp"
#include "tactful/json_writer.hpp"
#include "tactful/number.hpp"
#include "tactful/small_sort.hpp"
#include "tactful/utf8.hpp"

namespace tactful {

using Array = std::vector<json>;
using Object = std::vector<json_member>;

const std::string& json::empty_string() {
  static const std::string empty;
  return empty;
}

namespace {

const json& null_json() {
  static const json null;
  return null;
}

// What a write to the wrong type (a key on an array, an index on a string)
// lands in: nothing reads it back.
json& sink() {
  static json discarded;
  discarded = nullptr;
  return discarded;
}

// The index of the first member whose key is not less than `key`.
size_t lower_bound(const Object& members, std::string_view key) {
  size_t lo = 0, hi = members.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (std::string_view(members[mid].key()) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or 0:
// no overlong forms, no surrogates, nothing above U+10FFFF.
size_t utf8_length(const char* p, size_t available) {
  unsigned char c = static_cast<unsigned char>(*p);
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  if (c < 0xC2 || c > 0xF4 || available < n) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    unsigned char b = static_cast<unsigned char>(p[i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}


// Recursive descent over the text; the first problem found is kept with its position.
class Parser {
 public:
  Parser(std::string_view text, Diagnostics* warnings)
      : begin_(text.data()), p_(begin_), end_(begin_ + text.size()), warnings_(warnings) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") p_ += 3;  // a byte order mark, as nlohmann accepted
  }

  Result<json> document() {
    json out;
    if (value(out)) {
      skip_space();
      if (p_ != end_) fail("unexpected text after the JSON value");
    }
    if (!error_) return out;
    // What follows the problem: up to 16 bytes of printable, well-formed text.
    size_t n = 0, limit = end_ - error_at_ < 16 ? static_cast<size_t>(end_ - error_at_) : 16;
    while (n < limit && static_cast<unsigned char>(error_at_[n]) >= 0x20) {
      size_t k = static_cast<unsigned char>(error_at_[n]) < 0x80 ? 1 : utf8_length(error_at_ + n, limit - n);
      if (!k) break;
      n += k;
    }
    std::string near(error_at_, n);
    return make_error("", "invalid JSON at byte " + std::to_string(error_at_ - begin_ + 1) +
                              (near.empty() ? "" : " (near '" + near + "')") + ": " + error_);
  }

 private:
  static constexpr int kMaxDepth = 512;  // the wasm stack is small; real documents nest < 20

  bool fail(const char* what) { return fail_at(p_, what); }
  bool fail_at(const char* at, const char* what) {
    if (!error_) error_ = what, error_at_ = at;
    return false;
  }
  bool at(char c) const { return p_ < end_ && *p_ == c; }
  bool at_digit() const { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; }
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool value(json& out) {
    skip_space();
    if (p_ == end_) return fail("expected a value, found the end of the text");
    switch (*p_) {
      case '{': return container(out, true);
      case '[': return container(out, false);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': return literal("true", true, out);
      case 'f': return literal("false", false, out);
      case 'n': return literal("null", nullptr, out);
      default:
        if (at('-') || at_digit()) return number(out);
        return fail("expected a value (an object, array, string, number, true, false or null)");
    }
  }

  bool literal(std::string_view word, json v, json& out) {
    if (std::string_view(p_, static_cast<size_t>(end_ - p_)).substr(0, word.size()) != word)
      return fail("invalid literal (expected true, false or null)");
    p_ += word.size();
    out = std::move(v);
    return true;
  }

  using Members = std::vector<std::pair<std::string, json>>;

  // A container being read, linked to the one it is in; on the call stack.
  // What a repeated key's path is built from, only when one is found.
  struct Open {
    const Open* outer;
    const Members* members;  // an object's members so far, the last one being read
    const json* array;       // or an array's elements so far
  };

  // Adds members in key order, so each is appended without a search. Of a
  // repeated key the last value stays: equal keys sort by where they were read.
  struct MemberAt {
    std::string_view key;
    size_t at;
    bool operator<(const MemberAt& o) const { return key < o.key || (key == o.key && at < o.at); }
  };
  void add_sorted(json& out, Members& members) {
    std::vector<MemberAt> order;
    order.reserve(members.size());
    for (size_t i = 0; i < members.size(); ++i) order.push_back({members[i].first, i});
    small_sort(order);
    for (size_t i = 0; i < order.size(); ++i) {
      const MemberAt& m = order[i];
      // Sorted, a repeated key is next to its other uses: said at its second.
      if (warnings_ && i && order[i - 1].key == m.key && (i < 2 || order[i - 2].key != m.key)) {
        std::string message = "the key ";
        append_json_string(message, m.key);
        warnings_->warn(path_in(open_->outer), message + " appears more than once; the last one is used");
      }
      out[m.key] = std::move(members[m.at].second);
    }
  }

  // The path of what `o` is reading (the member or element last begun), ""
  // for the whole text.
  static std::string path_in(const Open* o) {
    if (!o) return std::string();
    return o->members ? join_path(path_in(o->outer), o->members->back().first)
                      : join_path(path_in(o->outer), o->array->size() - 1);
  }

  bool container(json& out, bool object) {
    if (++depth_ > kMaxDepth) return fail("nested more than 512 levels deep");
    char close = object ? '}' : ']';
    out = object ? json::object() : json::array();
    ++p_;
    skip_space();
    if (at(close)) {
      ++p_, --depth_;
      return true;
    }
    // An object's members are gathered as they come and sorted once at its
    // end: inserting each in order would move every later member, and an
    // object of many keys out of order (a hostile config or event) would
    // take minutes, with the page frozen.
    Members members;
    Open open{open_, object ? &members : nullptr, object ? nullptr : &out};
    open_ = &open;
    for (;;) {
      json* slot;
      if (object) {
        skip_space();
        if (!at('"')) return fail("expected a key (a string in double quotes)");
        std::string key;
        if (!string(key)) return false;
        skip_space();
        if (!at(':')) return fail("expected ':' after the key");
        ++p_;
        members.emplace_back(std::move(key), json());
        slot = &members.back().second;
      } else {
        out.push_back(nullptr);
        slot = &out.back();
      }
      if (!value(*slot)) return false;
      skip_space();
      if (at(',')) {
        ++p_;
        continue;
      }
      if (at(close)) {
        ++p_, --depth_;
        if (object) add_sorted(out, members);
        open_ = open.outer;
        return true;
      }
      return fail(object ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element");
    }
  }

  bool hex4(uint32_t& cp) {
    cp = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = p_ < end_ ? static_cast<char>(*p_ | 0x20) : 0;
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
      cp = cp << 4 | static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return true;
  }

  bool string(std::string& s) {
    ++p_;  // the opening quote
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20 &&
             static_cast<unsigned char>(*p_) < 0x80)
        ++p_;
      s.append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return fail("unterminated string (expected a closing '\"')");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail("control character in a string (write it as \\u00XX)");
      if (c >= 0x80) {
        size_t n = utf8_length(p_, static_cast<size_t>(end_ - p_));
        if (!n) return fail("invalid UTF-8 in a string");
        s.append(p_, n);
        p_ += n;
        continue;
      }
      const char* escape = p_++;
      char e = p_ < end_ ? *p_++ : 0;
      static const char kFrom[] = "\"\\/bfnrt", kTo[] = "\"\\/\b\f\n\r\t";
      size_t k = 0;
      while (k < 8 && kFrom[k] != e) ++k;
      if (k < 8) {
        s += kTo[k];
        continue;
      }
      if (e != 'u') return fail_at(escape, "invalid escape (expected \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u)");
      uint32_t cp, low;
      if (!hex4(cp)) return fail_at(escape, "invalid \\u escape (expected 4 hex digits)");
      if (cp >= 0xD800 && cp <= 0xDFFF) {  // UTF-16: a high surrogate then a low one
        if (cp >= 0xDC00 || !at('\\') || end_ - p_ < 2 || p_[1] != 'u' || (p_ += 2, !hex4(low)) || low < 0xDC00 ||
            low > 0xDFFF)
          return fail_at(escape, "unpaired UTF-16 surrogate in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      append_utf8(s, cp);
    }
  }

  bool number(json& out) {
    const char* start = p_;
    bool negative = at('-');
    if (negative) ++p_;
    if (!at_digit()) return fail("expected a digit");
    uint64_t n = 0;
    bool fits = true;  // the integer fits in 64 bits
    if (at('0')) {
      ++p_;
    } else {
      for (; at_digit(); ++p_) {
        unsigned d = static_cast<unsigned>(*p_ - '0');
        fits = fits && n <= (UINT64_MAX - d) / 10;
        n = n * 10 + d;
      }
    }
    bool integer = true;
    if (at('.')) {
      ++p_, integer = false;
      if (!at_digit()) return fail("expected a digit after the decimal point");
      while (at_digit()) ++p_;
    }
    if (at('e') || at('E')) {
      ++p_, integer = false;
      if (at('+') || at('-')) ++p_;
      if (!at_digit()) return fail("expected a digit in the exponent");
      while (at_digit()) ++p_;
    }
    // As nlohmann: integers that fit stay exact (unsigned unless negative).
    if (integer && fits && !negative) return out = n, true;
    if (integer && fits && n <= uint64_t(1) << 63) return out = static_cast<int64_t>(0 - n), true;
    double d = read_decimal(std::string_view(start, static_cast<size_t>(p_ - start)));
    if (std::isinf(d)) return fail_at(start, "number out of range (beyond 1.8e308)");
    out = d;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
  const char* error_at_ = nullptr;
  int depth_ = 0;
  Diagnostics* warnings_;
  const Open* open_ = nullptr;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_length(&s[i], s.size() - i);
      if (n) out.append(s.data() + i, n);
      else out += "\xEF\xBF\xBD";  // U+FFFD: the output stays valid UTF-8
      i += n ? n : 1;
      continue;
    }
    ++i;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20) {
      out += static_cast<char>(c);
    } else if (c >= '\b' && c <= '\r' && c != '\v') {
      out += '\\';
      out += "btn?fr"[c - '\b'];
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
}

json::json(value_t type) : type_(type) {
  if (type == value_t::object) v_.o = new Object();
  if (type == value_t::array) v_.a = new Array();
  if (type == value_t::string) v_.s = new std::string();
}
json::json(const char* s) : json(std::string(s)) {}
json::json(std::string_view s) : json(std::string(s)) {}
json::json(const std::string& s) : type_(value_t::string) { v_.s = new std::string(s); }
json::json(std::string&& s) : type_(value_t::string) { v_.s = new std::string(std::move(s)); }

json::json(std::initializer_list<json> init) {
  for (const json& e : init)
    if (!e.is_array() || e.size() != 2 || !(*e.v_.a)[0].is_string()) {
      type_ = value_t::array;
      v_.a = new Array(init);
      return;
    }
  *this = object(init);
}

json::json(const json& o) : type_(o.type_), v_(o.v_) {
  if (type_ == value_t::string) v_.s = new std::string(*o.v_.s);
  if (type_ == value_t::array) v_.a = new Array(*o.v_.a);
  if (type_ == value_t::object) v_.o = new Object(*o.v_.o);
}

json::json(json&& o) noexcept : type_(o.type_), v_(o.v_) { o.type_ = value_t::null; }

json& json::operator=(const json& o) {
  if (this != &o) *this = json(o);
  return *this;
}

json& json::operator=(json&& o) noexcept {
  // `o` may live inside *this (j = std::move(j["k"])): take it before letting go.
  value_t type = o.type_;
  auto v = o.v_;
  o.type_ = value_t::null;
  destroy();
  type_ = type;
  v_ = v;
  return *this;
}

json::~json() { destroy(); }

void json::destroy() noexcept {
  if (type_ == value_t::string) delete v_.s;
  if (type_ == value_t::array) delete v_.a;
  if (type_ == value_t::object) delete v_.o;
  type_ = value_t::null;
}

json json::object(std::initializer_list<json> init) {
  json out(value_t::object);
  for (const json& e : init)
    if (e.is_array() && e.size() == 2) out[(*e.v_.a)[0].str()] = (*e.v_.a)[1];
  return out;
}

json json::array(std::initializer_list<json> init) {
  json out(value_t::array);
  *out.v_.a = init;
  return out;
}

json json::parse(std::string_view text) {
  auto parsed = parse_json(text);
  return parsed.ok() ? std::move(parsed).value() : json();
}

const char* json::type_name() const {
  static const char* const kNames[] = {"null", "object", "array", "string", "boolean", "number", "number", "number"};
  return kNames[static_cast<int>(type_)];
}

const std::string& json::str() const { return is_string() ? *v_.s : empty_string(); }

double json::as_double() const {
  switch (type_) {
    case value_t::number_float: return v_.d;
    case value_t::number_integer: return static_cast<double>(v_.i);
    case value_t::number_unsigned: return static_cast<double>(v_.u);
    case value_t::boolean: return v_.b;
    default: return 0;
  }
}

int64_t json::as_int() const {
  if (type_ == value_t::number_integer || type_ == value_t::number_unsigned) return v_.i;
  double d = as_double();
  if (!(d > -9223372036854775808.0)) return d < 0 ? INT64_MIN : 0;  // also NaN
  return d >= 9223372036854775808.0 ? INT64_MAX : static_cast<int64_t>(d);
}

uint64_t json::as_uint() const {
  if (type_ == value_t::number_integer || type_ == value_t::number_unsigned) return v_.u;
  double d = as_double();
  if (!(d > 0)) return 0;
  return d >= 18446744073709551616.0 ? UINT64_MAX : static_cast<uint64_t>(d);
}

size_t json::size() const {
  if (is_object()) return v_.o->size();
  if (is_array()) return v_.a->size();
  return is_null() ? 0 : 1;
}

bool json::empty() const { return size() == 0; }

json_member* json::find_member(std::string_view key) const {
  if (!is_object()) return nullptr;
  size_t at = lower_bound(*v_.o, key);
  return at < v_.o->size() && (*v_.o)[at].key() == key ? &(*v_.o)[at] : nullptr;
}

const json* json::find_ptr(std::string_view key) const {
  const json_member* m = find_member(key);
  return m ? &m->value() : nullptr;
}

json& json::operator[](std::string_view key) {
  if (is_null()) *this = json(value_t::object);
  if (!is_object()) return sink();
  Object& m = *v_.o;
  // Keys usually arrive in order (our own dumps): append without searching.
  size_t at = m.empty() || std::string_view(m.back().key()) < key ? m.size() : lower_bound(m, key);
  if (at == m.size() || m[at].key() != key) {
    m.emplace_back(std::string(key), json());
    for (size_t i = m.size() - 1; i > at; --i) std::swap(m[i], m[i - 1]);  // smaller in wasm than insert()
  }
  return m[at].value();
}

const json& json::operator[](std::string_view key) const {
  const json* v = find_ptr(key);
  return v ? *v : null_json();
}

json::const_iterator json::find(std::string_view key) const {
  const json_member* m = find_member(key);
  return m ? const_iterator(nullptr, m) : end();
}

json::iterator json::find(std::string_view key) {
  json_member* m = find_member(key);
  return m ? iterator(nullptr, m) : end();
}

bool json::contains(std::string_view key) const { return find_ptr(key) != nullptr; }

size_t json::erase(std::string_view key) {
  if (!find_ptr(key)) return 0;
  v_.o->erase(v_.o->begin() + static_cast<long>(lower_bound(*v_.o, key)));
  return 1;
}

json json::value(std::string_view key, const json& fallback) const {
  const json* v = find_ptr(key);
  return v ? *v : fallback;
}

bool json::value(std::string_view key, bool fallback) const {
  const json* v = find_ptr(key);
  return v && v->is_boolean() ? v->v_.b : fallback;
}

int64_t json::value(std::string_view key, int64_t fallback) const {
  const json* v = find_ptr(key);
  return v && v->is_number() ? v->as_int() : fallback;
}

std::string json::value(std::string_view key, const char* fallback) const {
  const json* v = find_ptr(key);
  return v && v->is_string() ? *v->v_.s : std::string(fallback);
}

json::member_range<json_member> json::items() {
  if (!is_object()) return {nullptr, nullptr};
  return {v_.o->data(), v_.o->data() + v_.o->size()};
}

json::member_range<const json_member> json::items() const {
  auto r = const_cast<json*>(this)->items();
  return {r.first, r.last};
}

json& json::operator[](size_t index) {
  if (is_null()) *this = json(value_t::array);
  if (!is_array()) return sink();
  if (index >= v_.a->size()) v_.a->resize(index + 1);
  return (*v_.a)[index];
}

const json& json::operator[](size_t index) const {
  return is_array() && index < v_.a->size() ? (*v_.a)[index] : null_json();
}

void json::push_back(json v) {
  if (is_null()) *this = json(value_t::array);
  if (is_array()) v_.a->push_back(std::move(v));
}

json& json::back() { return is_array() && !v_.a->empty() ? v_.a->back() : sink(); }

json::iterator json::begin() {
  if (is_null()) return {};
  if (is_array()) return iterator(v_.a->data(), nullptr);
  if (is_object()) return iterator(nullptr, v_.o->data());
  return iterator(this, nullptr);
}

json::iterator json::end() {
  if (is_null()) return {};
  if (is_array()) return iterator(v_.a->data() + v_.a->size(), nullptr);
  if (is_object()) return iterator(nullptr, v_.o->data() + v_.o->size());
  return iterator(this + 1, nullptr);
}

json::const_iterator json::begin() const { return const_cast<json*>(this)->begin(); }
json::const_iterator json::end() const { return const_cast<json*>(this)->end(); }

std::string json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

void json::dump_to(std::string& out) const {
  char buf[kNumberTextSize];
  switch (type_) {
    case value_t::null: out += "null"; break;
    case value_t::boolean: out += v_.b ? "true" : "false"; break;
    case value_t::number_integer:
      if (v_.i < 0) out += '-';
      out.append(buf, format_uint(v_.i < 0 ? 0 - v_.u : v_.u, buf));
      break;
    case value_t::number_unsigned: out.append(buf, format_uint(v_.u, buf)); break;
    case value_t::number_float:  // JSON has no NaN or Infinity: null, as JSON.stringify writes them
      if (std::isfinite(v_.d)) out.append(buf, format_number(v_.d, buf));
      else out += "null";
      break;
    case value_t::string: append_json_string(out, *v_.s); break;
    case value_t::array:
    case value_t::object: {
      bool object = is_object();
      out += object ? '{' : '[';
      size_t n = size();
      for (size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        if (object) {
          append_json_string(out, (*v_.o)[i].key());
          out += ':';
        }
        (object ? (*v_.o)[i].value() : (*v_.a)[i]).dump_to(out);
      }
      out += object ? '}' : ']';
      break;
    }
  }
}

namespace {
void dump_indented(const json& j, int indent, int level, std::string& out) {
  if (!(j.is_object() || j.is_array()) || j.empty()) return j.dump_to(out);
  std::string margin(static_cast<size_t>(indent * (level + 1)), ' ');
  out += j.is_object() ? '{' : '[';
  for (auto it = j.begin(); it != j.end(); ++it) {
    out += it == j.begin() ? "\n" : ",\n";
    out += margin;
    if (j.is_object()) append_json_string(out, it.key()), out += ": ";
    dump_indented(*it, indent, level + 1, out);
  }
  out += '\n';
  out.append(margin, 0, static_cast<size_t>(indent * level));
  out += j.is_object() ? '}' : ']';
}
}  // namespace

std::string json::dump(int indent) const {
  std::string out;
  dump_indented(*this, indent, 0, out);
  return out;
}

bool operator==(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) return a.as_double() == b.as_double();
    return a.v_.i == b.v_.i;  // int64 against uint64 as nlohmann: the same 64 bits
  }
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case json::value_t::boolean: return a.v_.b == b.v_.b;
    case json::value_t::string: return *a.v_.s == *b.v_.s;
    case json::value_t::array: return *a.v_.a == *b.v_.a;
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        const json_member &x = (*a.v_.o)[i], &y = (*b.v_.o)[i];
        if (x.key() != y.key() || x.value() != y.value()) return false;
      }
      return true;
    }
    default: return true;  // null
  }
}

Result<json> parse_json(std::string_view text, Diagnostics* warnings) {
  return Parser(text, warnings).document();
}

namespace {
std::string joined(const std::string& base, std::string_view key) {
  std::string out = base;
  if (!out.empty()) out += '.';
  return out += key;
}
}  // namespace

std::string join_path(const std::string& base, const std::string& key) { return joined(base, key); }
std::string join_path(const std::string& base, const char* key) { return joined(base, key); }

std::string join_path(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

}  // namespace tactful
