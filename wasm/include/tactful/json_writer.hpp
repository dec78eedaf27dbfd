// Appends JSON text directly, for replies and anything else written once and
// never read back: no json value is built only to be dumped (building one
// costs a node, a key string and a copy per member, and its code at every
// call site; docs/performance.md has the sizes).
//
// The writer does not sort: callers write an object's keys in byte order, as
// json::dump() orders them, so a reply has the same bytes whichever way it
// was made (tests check that every reply is canonical).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tactful {

class json;

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);  // then the member's value
  JsonWriter& string(std::string_view s);
  JsonWriter& integer(int64_t n);
  JsonWriter& number(double d);  // as JavaScript writes it; null when not finite
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  JsonWriter& value(const json& j);
  JsonWriter& raw(std::string_view json_text);  // text that already is one JSON value

  std::string take() { return std::move(out_); }

 private:
  void separate();     // a comma before every element or member but the first
  void open(char c);   // '{' or '['
  void close(char c);  // '}' or ']'

  std::string out_;
  bool comma_ = false;
};

// Appends `s` quoted and escaped as json::dump() writes strings.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tactful
