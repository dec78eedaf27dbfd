// The one JSON type of the core: a small value type with the subset of the
// nlohmann::json interface the core uses (it replaced nlohmann, whose
// templates were inlined at every use; docs/performance.md has the sizes).
// Every operation is a call into json.cpp, never template code at the call
// site. It never throws or aborts: reading a value as the wrong type gives an
// empty value (0, false, ""), and a missing key reads as null.
//
// Objects are a vector of members kept sorted by key (byte order), as
// nlohmann's std::map kept them: iteration and `dump()` give the same order
// and bytes whatever order the keys were added in, which stored records,
// replies and error lists rely on. Lookups are binary searches.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tactful/result.hpp"

namespace tactful {

class json;
struct json_member;
struct Diagnostics;

class json {
 public:
  // nlohmann's kinds: integers read from text are unsigned unless negative.
  // The numbers come last, so is_number() is one comparison.
  enum class value_t : uint8_t { null, object, array, string, boolean, number_integer, number_unsigned, number_float };

  // Iterates an array's elements or an object's values (with key()), like
  // nlohmann: a scalar is a range of itself, null is empty.
  template <bool Const>
  class iter {
    using J = std::conditional_t<Const, const json, json>;
    using M = std::conditional_t<Const, const json_member, json_member>;

   public:
    iter() = default;
    iter(J* value, M* member) : value_(value), member_(member) {}
    template <bool C = Const, std::enable_if_t<C, int> = 0>
    iter(const iter<false>& o) : value_(o.value_), member_(o.member_) {}
    J& operator*() const { return member_ ? member_->value() : *value_; }
    J* operator->() const { return &**this; }
    iter& operator++() {
      if (member_) ++member_;
      else ++value_;
      return *this;
    }
    bool operator==(const iter& o) const { return value_ == o.value_ && member_ == o.member_; }
    bool operator!=(const iter& o) const { return !(*this == o); }
    // The member's key; "" when iterating anything but an object.
    const std::string& key() const;
    J& value() const { return **this; }

   private:
    template <bool>
    friend class iter;
    J* value_ = nullptr;
    M* member_ = nullptr;
  };
  using iterator = iter<false>;
  using const_iterator = iter<true>;

  // An object's members, for `for (const auto& item : j.items())`: item.key(), item.value().
  template <typename M>
  struct member_range {
    M* first;
    M* last;
    M* begin() const { return first; }
    M* end() const { return last; }
  };

  json() noexcept {}
  json(std::nullptr_t) noexcept {}
  json(value_t type);
  json(bool b) noexcept : type_(value_t::boolean) { v_.b = b; }
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  json(T n) noexcept {
    if constexpr (std::is_signed_v<T>) type_ = value_t::number_integer, v_.i = n;
    else type_ = value_t::number_unsigned, v_.u = n;
  }
  json(double d) noexcept : type_(value_t::number_float) { v_.d = d; }
  json(const char* s);
  json(std::string_view s);
  json(const std::string& s);  // by reference: no copy made at the call site
  json(std::string&& s);
  template <typename T>
  json(const std::vector<T>& items) : json(value_t::array) {
    for (const auto& item : items) push_back(json(item));
  }
  // nlohmann's rule: a list whose every element is a [string, value] pair is
  // an object ({{"k", 1}, {"j", 2}}); any other list is an array.
  json(std::initializer_list<json> init);
  json(const json& o);
  json(json&& o) noexcept;
  json& operator=(const json& o);
  json& operator=(json&& o) noexcept;
  ~json();

  static json object(std::initializer_list<json> init = {});
  static json array(std::initializer_list<json> init = {});
  // For text known to be valid (tests, built-in data): null when it is not.
  // Anything from outside goes through parse_json, which says what is wrong.
  static json parse(std::string_view text);

  value_t type() const { return type_; }
  const char* type_name() const;
  bool is_null() const { return type_ == value_t::null; }
  bool is_object() const { return type_ == value_t::object; }
  bool is_array() const { return type_ == value_t::array; }
  bool is_string() const { return type_ == value_t::string; }
  bool is_boolean() const { return type_ == value_t::boolean; }
  bool is_number() const { return type_ >= value_t::number_integer; }
  bool is_number_integer() const { return is_number() && type_ != value_t::number_float; }
  bool is_number_unsigned() const { return type_ == value_t::number_unsigned; }
  bool is_number_float() const { return type_ == value_t::number_float; }

  // Numbers convert between each other (and from booleans) with static_cast's
  // meaning, clamped where a double does not fit.
  template <typename T>
  T get() const {
    if constexpr (std::is_same_v<T, std::string>) return get_ref<const std::string&>();
    else if constexpr (std::is_same_v<T, json>) return *this;
    else if constexpr (std::is_same_v<T, bool>) return type_ == value_t::boolean && v_.b;
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(as_double());
    else if constexpr (std::is_signed_v<T>) return static_cast<T>(as_int());
    else return static_cast<T>(as_uint());
  }
  template <typename T>
  const std::string& get_ref() const {
    static_assert(std::is_same_v<T, const std::string&>, "only strings are read by reference");
    return str();
  }

  size_t size() const;  // elements or members; 0 for null, 1 for a scalar
  bool empty() const;

  // Objects. A const lookup of a missing key (or on a non-object) is null.
  json& operator[](std::string_view key);  // null becomes an object; adds the key
  const json& operator[](std::string_view key) const;
  iterator find(std::string_view key);
  const_iterator find(std::string_view key) const;
  // The member's value, or null when absent: cheaper at a call site than
  // find() and a comparison with end() (no iterators built).
  const json* find_ptr(std::string_view key) const;
  bool contains(std::string_view key) const;
  size_t erase(std::string_view key);
  json value(std::string_view key, const json& fallback) const;
  bool value(std::string_view key, bool fallback) const;
  int64_t value(std::string_view key, int64_t fallback) const;
  int value(std::string_view key, int fallback) const { return static_cast<int>(value(key, int64_t{fallback})); }
  std::string value(std::string_view key, const char* fallback) const;
  member_range<json_member> items();
  member_range<const json_member> items() const;

  // Arrays. A const index past the end is null.
  json& operator[](size_t index);  // null becomes an array; grows with nulls
  const json& operator[](size_t index) const;
  void push_back(json v);  // null becomes an array
  template <typename... A>
  json& emplace_back(A&&... a) {
    push_back(json(std::forward<A>(a)...));
    return back();
  }
  json& back();

  iterator begin();
  iterator end();
  const_iterator begin() const;
  const_iterator end() const;

  // Compact JSON: keys sorted, strings escaped as JSON requires (control
  // characters as \u00XX, other bytes as they are; a byte that is not valid
  // UTF-8 becomes U+FFFD), numbers as JavaScript writes them.
  std::string dump() const;
  void dump_to(std::string& out) const;
  // Indented by `indent` spaces a level, for people (the CLI); the browser
  // never calls it, so the wasm link drops it.
  std::string dump(int indent) const;

  // Equal types and values; numbers compare by value across integer/float.
  friend bool operator==(const json& a, const json& b);
  friend bool operator!=(const json& a, const json& b) { return !(a == b); }

 private:
  const std::string& str() const;
  double as_double() const;
  int64_t as_int() const;
  uint64_t as_uint() const;
  static const std::string& empty_string();
  json_member* find_member(std::string_view key) const;
  void destroy() noexcept;

  value_t type_ = value_t::null;
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    std::string* s;
    std::vector<json>* a;
    std::vector<json_member>* o;
  } v_{};
};

struct json_member {
  json_member(std::string k, json v) : key_(std::move(k)), value_(std::move(v)) {}
  const std::string& key() const { return key_; }
  json& value() { return value_; }
  const json& value() const { return value_; }

 private:
  std::string key_;
  json value_;
};

template <bool Const>
const std::string& json::iter<Const>::key() const {
  return member_ ? member_->key() : empty_string();
}

// Parses text into JSON, or an error naming the byte (counted from 1) where
// the text stops being JSON and what was expected there. Of a key an object
// repeats the last value is kept, as JSON.parse keeps it; with `warnings`,
// each such key is also a warning there, at its object's path.
Result<json> parse_json(std::string_view text, Diagnostics* warnings = nullptr);

// Path helpers so every error names where it is: join_path("slots", 2) -> "slots[2]",
// join_path("slots[2]", "variants") -> "slots[2].variants".
std::string join_path(const std::string& base, const std::string& key);
std::string join_path(const std::string& base, const char* key);  // a literal key: no std::string built for it
std::string join_path(const std::string& base, size_t index);

}  // namespace tactful
