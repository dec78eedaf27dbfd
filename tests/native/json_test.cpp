// The core's JSON value: nlohmann's semantics where the code relied on them
// (sorted keys, integer kinds, the initializer-list rule), JavaScript's
// number text, and parse errors that say where and what.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "tactful/diagnostics.hpp"
#include "tactful/json.hpp"

using tactful::json;

namespace {
std::string error_of(std::string_view text) {
  auto parsed = tactful::parse_json(text);
  return parsed.ok() ? "(parsed)" : parsed.error().message;
}
std::string round_trip(std::string_view text) {
  auto parsed = tactful::parse_json(text);
  INFO((parsed.ok() ? std::string() : parsed.error().message));
  REQUIRE(parsed.ok());
  return parsed->dump();
}
}  // namespace

TEST_CASE("dump writes compact JSON with keys in byte order, whatever order they came in") {
  CHECK(round_trip(R"( {"b": 1, "a": [true, false, null, "x"], "B": {}} )") ==
        R"({"B":{},"a":[true,false,null,"x"],"b":1})");
  json j;
  j["z"] = 1;
  j["a"] = "x";
  j["m"] = json::array();
  CHECK(j.dump() == R"({"a":"x","m":[],"z":1})");
  CHECK(json::object().dump() == "{}");
  CHECK(json().dump() == "null");
  CHECK(round_trip(R"({"k": 1, "k": 2})") == R"({"k":2})");  // a repeated key keeps its last value
}

TEST_CASE("a repeated key is a warning once, at its object's path, when asked; the last value is kept") {
  tactful::Diagnostics diag;
  auto parsed = tactful::parse_json(
      R"({"b": 1, "a": [{}, {"x": {"k": 1, "k": 2, "k": 3}}], "b": 2, "c": [[{"z": 0, "z": 1}]], "d": {"k": 0}})",
      &diag);
  REQUIRE(parsed.ok());
  CHECK(parsed->dump() == R"({"a":[{},{"x":{"k":3}}],"b":2,"c":[[{"z":1}]],"d":{"k":0}})");
  // Objects in the order they end: the innermost first, the top level ("") last.
  std::vector<std::string> said;
  for (const auto& w : diag.warnings) said.push_back(w.to_string());
  CHECK(said == std::vector<std::string>{
                    R"(a[1].x: the key "k" appears more than once; the last one is used)",
                    R"(c[0][0]: the key "z" appears more than once; the last one is used)",
                    R"(the key "b" appears more than once; the last one is used)",
                });
  CHECK(diag.ok());
  // A key is written as JSON writes it.
  REQUIRE(tactful::parse_json(R"({"say \"hi\"": 1, "say \"hi\"": 2})", &diag).ok());
  CHECK(diag.warnings.back().message == R"(the key "say \"hi\"" appears more than once; the last one is used)");
}

TEST_CASE("numbers keep nlohmann's kinds and are written as JavaScript writes them") {
  CHECK(json::parse("1").is_number_unsigned());
  CHECK(json::parse("-1").is_number_integer());
  CHECK_FALSE(json::parse("-1").is_number_unsigned());
  CHECK(json::parse("1.0").is_number_float());
  CHECK(json::parse("1e2").is_number_float());
  CHECK(json::parse("18446744073709551615").get<uint64_t>() == UINT64_MAX);
  CHECK(json::parse("18446744073709551616").is_number_float());
  CHECK(json::parse("-9223372036854775808").get<int64_t>() == INT64_MIN);
  CHECK(json::parse("-9223372036854775809").is_number_float());
  CHECK(round_trip("[1.0, 0.1, 1e21, 1.5e-7, 100, -0, -0.0, 123456789012345680000.0]") ==
        "[1,0.1,1e+21,1.5e-7,100,0,-0,123456789012345680000]");
  CHECK(std::signbit(json::parse("-0.0").get<double>()));
  CHECK(json(std::nan("")).dump() == "null");  // as JSON.stringify
  CHECK(json(HUGE_VAL).dump() == "null");
  CHECK(json(int64_t{-42}).dump() == "-42");
  CHECK(json(INT64_MIN).dump() == "-9223372036854775808");
}

TEST_CASE("strings are escaped as JSON needs, and \\u escapes decode to UTF-8") {
  CHECK(round_trip(R"("a\"b\\c\/d\b\f\n\r\t")") == R"("a\"b\\c/d\b\f\n\r\t")");
  CHECK(round_trip(R"("\u0001\u001F\u007f")") == "\"\\u0001\\u001f\x7f\"");
  CHECK(json::parse(R"("\u00f1\u20ac\ud83d\ude00")").get<std::string>() == "ñ€\xF0\x9F\x98\x80");
  CHECK(round_trip("\"ñ€😀\"") == "\"ñ€😀\"");
  // Text built in code that is not UTF-8 still dumps as valid UTF-8.
  CHECK(json(std::string("a\xFF" "b")).dump() == "\"a\xEF\xBF\xBD" "b\"");
  CHECK(json(std::string("\xC3")).dump() == "\"\xEF\xBF\xBD\"");
}

TEST_CASE("malformed JSON is refused with the byte and what was expected there") {
  CHECK(error_of("") == "invalid JSON at byte 1: expected a value, found the end of the text");
  CHECK(error_of("{not json") == "invalid JSON at byte 2 (near 'not json'): expected a key (a string in double quotes)");
  CHECK(error_of("[1,]") == "invalid JSON at byte 4 (near ']'): expected a value (an object, array, string, number, "
                            "true, false or null)");
  CHECK(error_of("[1 2]") == "invalid JSON at byte 4 (near '2]'): expected ',' or ']' after an array element");
  CHECK(error_of(R"({"a" 1})") == "invalid JSON at byte 6 (near '1}'): expected ':' after the key");
  CHECK(error_of(R"({"a": 1)") == "invalid JSON at byte 8: expected ',' or '}' after an object member");
  CHECK(error_of("{\"a\": 1,\n\"b\" 2}") == "invalid JSON at byte 14 (near '2}'): expected ':' after the key");
  CHECK(error_of("\"abc") == "invalid JSON at byte 5: unterminated string (expected a closing '\"')");
  CHECK(error_of("\"a\x01\"") == "invalid JSON at byte 3: control character in a string (write it as \\u00XX)");
  CHECK(error_of(R"("\x")") == "invalid JSON at byte 2 (near '\\x\"'): invalid escape (expected \\\" \\\\ \\/ \\b \\f "
                               "\\n \\r \\t or \\u)");
  CHECK(error_of(R"("\u12")") == "invalid JSON at byte 2 (near '\\u12\"'): invalid \\u escape (expected 4 hex digits)");
  CHECK(error_of(R"("\ud800x")") ==
        "invalid JSON at byte 2 (near '\\ud800x\"'): unpaired UTF-16 surrogate in a \\u escape");
  CHECK(error_of(R"("\udc00")") ==
        "invalid JSON at byte 2 (near '\\udc00\"'): unpaired UTF-16 surrogate in a \\u escape");
  CHECK(error_of("\"\xFF\"") == "invalid JSON at byte 2: invalid UTF-8 in a string");
  CHECK(error_of("\"\xED\xA0\x80\"") == "invalid JSON at byte 2: invalid UTF-8 in a string");  // an encoded surrogate
  CHECK(error_of("\"\xC0\xAF\"") == "invalid JSON at byte 2: invalid UTF-8 in a string");      // overlong '/'
  CHECK(error_of("01") == "invalid JSON at byte 2 (near '1'): unexpected text after the JSON value");
  CHECK(error_of("[1] x") == "invalid JSON at byte 5 (near 'x'): unexpected text after the JSON value");
  CHECK(error_of("-") == "invalid JSON at byte 2: expected a digit");
  CHECK(error_of("1.") == "invalid JSON at byte 3: expected a digit after the decimal point");
  CHECK(error_of("1e+") == "invalid JSON at byte 4: expected a digit in the exponent");
  CHECK(error_of("[1e400]") == "invalid JSON at byte 2 (near '1e400]'): number out of range (beyond 1.8e308)");
  CHECK(error_of("tru") == "invalid JSON at byte 1 (near 'tru'): invalid literal (expected true, false or null)");
  CHECK(error_of("NaN") == "invalid JSON at byte 1 (near 'NaN'): expected a value (an object, array, string, number, "
                           "true, false or null)");
  CHECK(error_of("\xEF\xBB\xBF{}") == "(parsed)");  // a byte order mark is skipped
}

TEST_CASE("nesting is bounded so that hostile input cannot exhaust the wasm stack") {
  std::string deep = std::string(512, '[') + std::string(512, ']');
  CHECK(round_trip(deep) == deep);
  CHECK(error_of("[" + deep + "]") == "invalid JSON at byte 513 (near '[" + std::string(15, ']') +
                                          "'): nested more than 512 levels deep");
}

TEST_CASE("an object of many keys in reverse order parses in moments, so hostile input cannot freeze the page") {
  // 200,000 keys, each sorting before the one read before it: inserted one
  // by one into the sorted members, this took minutes.
  const int n = 200000;
  std::string text = "{";
  for (int i = n; i > 0; --i) text += "\"k" + std::string(7 - std::to_string(i).size(), '0') + std::to_string(i) + "\":1,";
  text += R"("k0000000":0,"k0000001":2})";
  auto started = std::chrono::steady_clock::now();
  auto parsed = tactful::parse_json(text);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(parsed.ok());
  CHECK(ms < 2000);
  CHECK(parsed->size() == size_t(n) + 1);
  CHECK(parsed->begin().key() == "k0000000");
  CHECK((*parsed)["k0000001"].get<int>() == 2);  // a repeated key still keeps its last value
  CHECK((*parsed)["k0200000"].get<int>() == 1);
}

TEST_CASE("initializer lists follow nlohmann's rule: all [string, value] pairs make an object") {
  json object = {{"a", 1}, {"b", {{"c", true}}}};
  CHECK(object.dump() == R"({"a":1,"b":{"c":true}})");
  json array = {"a", 1};
  CHECK(array.dump() == R"(["a",1])");
  CHECK(json({{"a", 1}, {2, 3}}).dump() == R"([["a",1],[2,3]])");
  CHECK(json::array({{"a", 1}}).dump() == R"([["a",1]])");
  CHECK(json::object({{"k", "v"}}).dump() == R"({"k":"v"})");
  CHECK(json(std::vector<int>{1, 2}).dump() == "[1,2]");
}

TEST_CASE("lookups and edits on objects and arrays") {
  json j = json::parse(R"({"s": "x", "n": 2, "b": true, "a": [1, 2]})");
  const json& c = j;
  CHECK(c["missing"].is_null());
  CHECK_FALSE(j.contains("missing"));  // a const lookup adds nothing
  CHECK(c["a"][5].is_null());
  CHECK(j.find("n")->get<int>() == 2);
  CHECK(j.find("n").key() == "n");
  CHECK(j.find("zz") == j.end());
  CHECK(j.value("s", "") == "x");
  CHECK(j.value("n", "fallback") == "fallback");  // not a string
  CHECK(j.value("b", false));
  CHECK(j.value("n", int64_t{0}) == 2);
  CHECK(j.value("a", json()).size() == 2);
  CHECK(j.erase("s") == 1);
  CHECK(j.erase("s") == 0);
  std::string keys;
  for (const auto& item : j.items()) keys += item.key();
  CHECK(keys == "abn");
  int sum = 0;
  for (const auto& v : j["a"]) sum += v.get<int>();
  CHECK(sum == 3);
  int count = 0;
  for (auto it = j.begin(); it != j.end(); ++it) ++count;
  CHECK(count == 3);
  json grown;
  grown[2] = "c";
  CHECK(grown.dump() == R"([null,null,"c"])");
  grown.push_back(1);
  grown.emplace_back("e");
  CHECK(grown.size() == 5);
  json scalar = 7;
  CHECK(scalar.size() == 1);  // a scalar iterates as itself, as in nlohmann
  for (const auto& v : scalar) CHECK(v == 7);
  CHECK(json().empty());
  CHECK(json().begin() == json().end());
}

TEST_CASE("reading the wrong type gives an empty value, never an abort") {
  json j = json::parse(R"({"s": "x", "n": 2.7, "big": 1e300})");
  CHECK(j["n"].get<std::string>().empty());
  CHECK(j["s"].get<int>() == 0);
  CHECK(j["n"].get<int>() == 2);  // static_cast's truncation, as nlohmann
  CHECK(j["big"].get<int64_t>() == INT64_MAX);
  CHECK_FALSE(j["n"].get<bool>());
  json array = json::array();
  array["key"] = 1;  // a key on an array changes nothing
  CHECK(array.dump() == "[]");
}

TEST_CASE("equality compares numbers by value across kinds, objects as key sets") {
  CHECK(json(1) == json(1.0));
  CHECK(json(uint64_t{1}) == json(int64_t{1}));
  CHECK(json(1) != json("1"));
  CHECK(json::parse(R"({"a": 1, "b": [2]})") == json::parse(R"({"b": [2.0], "a": 1})"));
  CHECK(json::parse("[1, 2]") != json::parse("[2, 1]"));
  CHECK(json() == json(nullptr));
  CHECK(json::parse("0.1").type_name() == std::string("number"));
  CHECK(json::object().type_name() == std::string("object"));
}

TEST_CASE("copies are independent, and moving a child into its parent is safe") {
  json a = json::parse(R"({"k": {"deep": [1, 2, 3]}})");
  json b = a;
  b["k"]["deep"].push_back(4);
  CHECK(a["k"]["deep"].size() == 3);
  a = std::move(a["k"]);
  CHECK(a.dump() == R"({"deep":[1,2,3]})");
  a = a;
  CHECK(a.dump() == R"({"deep":[1,2,3]})");
}

TEST_CASE("dump(indent) is for people: nlohmann's layout") {
  json j = json::parse(R"({"a": [1, {}], "b": []})");
  CHECK(j.dump(2) == "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
}
