// The $regex engine: JavaScript syntax and answers, linear time, and a clear
// refusal for what it cannot do.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "tactful/regex.hpp"

using tactful::Regex;

namespace {
bool test(const char* pattern, const std::string& text, bool icase = false) {
  auto re = Regex::compile(pattern, icase);
  REQUIRE_MESSAGE(re.ok(), pattern, ": ", (re.ok() ? "" : re.error().message));
  return re->search(text);
}
std::string rejection(const char* pattern, bool icase = false) {
  auto re = Regex::compile(pattern, icase);
  return re.ok() ? std::string("(accepted)") : re.error().message;
}
}  // namespace

TEST_CASE("a pattern matches anywhere in the text unless anchored") {
  CHECK(test("bc", "abcd"));
  CHECK_FALSE(test("bd", "abcd"));
  CHECK(test("^ab", "abcd"));
  CHECK_FALSE(test("^bc", "abcd"));
  CHECK(test("cd$", "abcd"));
  CHECK_FALSE(test("bc$", "abcd"));
  CHECK(test("^$", ""));
  CHECK(test("", "anything"));
  CHECK(test("-12-25$", "1980-12-25"));
}

TEST_CASE("dot, classes and class escapes follow JavaScript") {
  CHECK(test("a.c", "abc"));
  CHECK_FALSE(test("a.c", "a\nc"));  // . stops at line terminators
  CHECK(test("^[a-c]+$", "abccba"));
  CHECK_FALSE(test("^[a-c]+$", "abcd"));
  CHECK(test("^[^0-9]+$", "abc"));
  CHECK_FALSE(test("^[^0-9]+$", "ab1"));
  CHECK(test("^\\d{3}-\\w+\\s\\S$", "123-ab_9 x"));
  CHECK(test("^[\\d-z]+$", "1-z"));  // a class escape next to '-' makes '-' literal
  CHECK(test("^[a-]$", "-"));
  CHECK(test("^[]a]$", "]a") == false);  // [] is the empty class in JS
  CHECK(test("^[^]$", "\n"));            // [^] is any unit
  CHECK(test("^\\D\\W\\S$", "a!x"));
  CHECK(test("^[\\s\\S]$", "\xc2\xa0"));  // U+00A0 is whitespace
  CHECK(test("\\u00e9", "caf\xc3\xa9"));
  CHECK(test("^\\x41\\t\\/\\.$", "A\t/."));
  CHECK(test("^a{2}b{1,}c{0,1}$", "aab"));
  CHECK_FALSE(test("^a{2}$", "aaa"));
  CHECK(test("^a{2,3}$", "aaa"));
  CHECK_FALSE(test("^a{2,3}$", "aaaa"));
  CHECK(test("a{,2}", "a{,2}"));  // not a quantifier, so literal, as in JS
  CHECK(test("x}", "x}"));
}

TEST_CASE("groups, alternation, lazy quantifiers and word boundaries") {
  CHECK(test("(Mobile|Tablet)", "Android Mobile Browser"));
  CHECK_FALSE(test("(Mobile|Tablet)", "Chrome Desktop Browser"));
  CHECK(test("^(?:ab)+$", "ababab"));
  CHECK_FALSE(test("^(?:ab)+$", "ababa"));
  CHECK(test("^a|b$", "xxb"));
  CHECK(test("^(a|)+$", "aaa"));
  CHECK(test("^a+?b*?$", "aab"));
  CHECK(test("\\bcat\\b", "a cat here"));
  CHECK_FALSE(test("\\bcat\\b", "concatenate"));
  CHECK(test("\\Bcat\\B", "concatenate"));
}

TEST_CASE("the i flag folds ASCII letters, in literals and in classes") {
  CHECK(test("(mobile|tablet)", "Android MOBILE", true));
  CHECK(test("^[a-c]+$", "AbC", true));
  CHECK_FALSE(test("^[^a]$", "A", true));
  CHECK_FALSE(test("mobile", "MOBILE"));
}

TEST_CASE("text is seen as JavaScript's UTF-16 code units") {
  CHECK(test("^.$", "\xc3\xa9"));                 // é is one unit
  CHECK_FALSE(test("^.$", "\xf0\x9f\x98\x80"));   // an emoji is two
  CHECK(test("^..$", "\xf0\x9f\x98\x80"));
  CHECK(test("^caf\xc3\xa9$", "caf\xc3\xa9"));
}

TEST_CASE("constructs the engine cannot honour are rejected with the reason") {
  CHECK(rejection("(a)\\1").find("backreferences") != std::string::npos);
  CHECK(rejection("a(?=b)").find("lookahead") != std::string::npos);
  CHECK(rejection("a(?!b)").find("lookahead") != std::string::npos);
  CHECK(rejection("(?<=a)b").find("lookbehind") != std::string::npos);
  CHECK(rejection("(?<!a)b").find("lookbehind") != std::string::npos);
  CHECK(rejection("(?<year>\\d+)").find("named groups") != std::string::npos);
  CHECK(rejection("\\k<x>").find("named backreferences") != std::string::npos);
  CHECK(rejection("\\p{L}").find("Unicode property") != std::string::npos);
  CHECK(rejection("\\u{1F600}").find("u flag") != std::string::npos);
  CHECK(rejection("[\\1]").find("octal") != std::string::npos);
  // JavaScript reads \0 followed by a digit as an octal escape, never as a backreference.
  CHECK(rejection("a\\07").find("octal escapes") != std::string::npos);
  CHECK(rejection("caf\xc3\xa9", true).find("ASCII") != std::string::npos);
}

TEST_CASE("an escaped letter or a POSIX class, which JavaScript reads as plain characters, is refused, never matched as another dialect meant") {
  // PCRE's and Python's anchors and escapes are letters to JavaScript:
  // \Aabc\z would look for "Aabcz", not anchor "abc".
  for (const char* pattern : {"\\Aabc\\z", "abc\\Z", "\\Gx", "a\\Kb", "\\Q.\\E", "\\h", "\\e", "\\R", "[\\A-Z]"}) {
    CAPTURE(pattern);
    CHECK(rejection(pattern).find("only as the letter") != std::string::npos);
  }
  CHECK(rejection("\\Aabc").find("\\A ") == 0);
  // POSIX classes are characters to JavaScript: [[:digit:]] is "[", ":", "d", ... then "]".
  CHECK(rejection("[[:digit:]]+").find("POSIX classes") != std::string::npos);
  CHECK(rejection("[^[:space:]]").find("POSIX classes") != std::string::npos);
  CHECK(test("^[[:]+$", "[:"));  // no name between the colons: plain characters
  // The escapes JavaScript knows, and escaped punctuation, still work.
  CHECK(test("^\\w\\.\\-\\_\\@$", "a.-_@"));
  CHECK(test("\\bword\\B", "a words"));
}

TEST_CASE("malformed patterns are errors that say where") {
  CHECK(rejection("/???***[)").find("nothing to repeat") != std::string::npos);
  CHECK(rejection("*a").find("nothing to repeat") != std::string::npos);
  CHECK(rejection("a**").find("nothing to repeat") != std::string::npos);
  CHECK(rejection("^*").find("nothing to repeat") != std::string::npos);
  CHECK(rejection("(ab").find("missing ')'") != std::string::npos);
  CHECK(rejection("ab)").find("unmatched ')'") != std::string::npos);
  CHECK(rejection("[ab").find("missing ']'") != std::string::npos);
  CHECK(rejection("[z-a]").find("out of order") != std::string::npos);
  CHECK(rejection("a{3,2}").find("out of order") != std::string::npos);
  CHECK(rejection("a\\").find("end of pattern") != std::string::npos);
  CHECK(rejection("ab)").find("at character 2") != std::string::npos);
}

TEST_CASE("program size is bounded: absurd repetition is refused, not expanded") {
  CHECK(rejection("a{1001}").find("repetition count above 1000") != std::string::npos);
  CHECK(rejection("(?:a{1000}){1000}").find("too large") != std::string::npos);
  CHECK(rejection("((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                  "((((((((((((((((((((a))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))"
                  "))))))))))))))))))))))))))))))))))))))")
            .find("nested too deeply") != std::string::npos);
  CHECK(Regex::compile("a{1000}").ok());
}

TEST_CASE("hostile patterns run in linear time") {
  std::string text(100000, 'a');
  text += '!';
  for (const char* pattern : {"(a+)+$", "^(a|a)*$", "(a*)*b", "^(a|aa)+$", "(.*a){20}$"}) {
    auto start = std::chrono::steady_clock::now();
    bool matched = test(pattern, text);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(std::string(pattern), " took ", seconds, " s");
    CHECK_FALSE(matched);
    CHECK(seconds < 2.0);
  }
  CHECK(test("(a+)+$", std::string(100000, 'a')));
}
