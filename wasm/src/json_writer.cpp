#include "tactful/json_writer.hpp"

#include "tactful/json.hpp"

namespace tactful {

void JsonWriter::separate() {
  if (comma_) out_ += ',';
  comma_ = true;
}

void JsonWriter::open(char c) {
  separate();
  out_ += c;
  comma_ = false;
}

void JsonWriter::close(char c) {
  out_ += c;
  comma_ = true;
}

JsonWriter& JsonWriter::begin_object() { return open('{'), *this; }
JsonWriter& JsonWriter::end_object() { return close('}'), *this; }
JsonWriter& JsonWriter::begin_array() { return open('['), *this; }
JsonWriter& JsonWriter::end_array() { return close(']'), *this; }

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  comma_ = false;  // the value follows without one
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json_text) {
  separate();
  out_ += json_text;
  return *this;
}

// Scalars go through json's own dump so numbers have one writer.
JsonWriter& JsonWriter::value(const json& j) {
  separate();
  j.dump_to(out_);
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t n) { return value(json(n)); }
JsonWriter& JsonWriter::number(double d) { return value(json(d)); }
JsonWriter& JsonWriter::boolean(bool b) { return raw(b ? "true" : "false"); }
JsonWriter& JsonWriter::null() { return raw("null"); }

}  // namespace tactful
