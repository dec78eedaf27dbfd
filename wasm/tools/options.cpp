#include "options.hpp"

#include <algorithm>
#include <limits>
#include <ostream>

namespace tactful::cli {

namespace {
bool listed(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// "-" alone is a positional (stdin); anything else starting with '-' is meant as a flag.
bool looks_like_flag(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }
}  // namespace

Options::Options(const Args& args, const OptionSpec& spec) {
  for (size_t i = 0; i < args.size() && ok(); ++i) {
    const std::string& a = args[i];
    if (!looks_like_flag(a)) {
      if (positionals_.size() < spec.max_positionals) positionals_.push_back(a);
      else fail("unexpected argument '" + a + "'");
      continue;
    }
    bool once = listed(spec.valued, a), many = listed(spec.repeatable, a);
    if (listed(spec.switches, a)) {
      if (has(a)) fail(a + " given twice");
      values_[a].emplace_back();
    } else if (!once && !many) {
      fail("unknown option '" + a + "'");
    } else if (i + 1 >= args.size()) {
      fail(a + ": missing its value");
    } else if (once && has(a)) {
      fail(a + " given twice");
    } else {
      // A value may itself start with "--" (a token can): only the end of the
      // arguments means it is missing.
      values_[a].push_back(args[++i]);
    }
  }
}

std::string Options::text(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second.front();
}

std::vector<std::string> Options::all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

void Options::require(const std::vector<std::string>& flags) {
  for (const auto& flag : flags) {
    if (!has(flag)) fail(flag + " is required");
  }
}

void Options::require_positional(const std::string& name) {
  if (positionals_.empty()) fail(name + " is required");
}

uint64_t Options::whole(const std::string& flag, uint64_t fallback, uint64_t min, uint64_t max) {
  if (!has(flag)) return fallback;
  auto n = parse_whole_number(flag, text(flag), min, max);
  if (n.ok()) return *n;
  fail(n.error().to_string());
  return fallback;
}

void Options::fail(std::string message) {
  if (ok()) error_ = std::move(message);
}

Result<uint64_t> parse_whole_number(const std::string& name, const std::string& text, uint64_t min, uint64_t max) {
  const bool any = min == 0 && max == std::numeric_limits<uint64_t>::max();
  std::string expected = "expected a whole number";
  if (!any) expected += " from " + std::to_string(min) + " to " + std::to_string(max);
  auto bad = [&] { return make_error(name, expected + ", got '" + text + "'"); };
  if (text.empty() || text.size() > 20) return bad();
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) return bad();  // past 2^64 - 1
    n = n * 10 + digit;
  }
  if (n < min || n > max) return bad();
  return n;
}

int usage_error(const std::string& command, const std::string& message, const std::string& usage,
                std::ostream& err) {
  err << "tactful " << command << ": " << message << "\nusage: " << usage << "\n";
  return 2;
}

}  // namespace tactful::cli
