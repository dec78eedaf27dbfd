#include "tactful/regex.hpp"

#include <algorithm>
#include <utility>

#include "tactful/utf8.hpp"

namespace tactful {

namespace {

// Bounds that keep a hostile or careless pattern from costing memory: the
// program is at most kMaxProgram instructions, so a search is at most
// O(kMaxProgram × text length) steps.
constexpr int kMaxRepeat = 1000;
constexpr size_t kMaxProgram = 10000;
constexpr int kMaxDepth = 100;

enum Op : uint8_t { kUnit, kClass, kAny, kSplit, kJmp, kBol, kEol, kWordB, kNotWordB, kMatch };

// Patterns and text are read as the UTF-16 code units a JS string holds
// (Utf16Reader): without the `u` flag, `.` and classes see code units.
using Range = std::pair<uint16_t, uint16_t>;
using Ranges = std::vector<Range>;

bool is_word(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_line_terminator(int c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }
int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
bool is_ascii_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

void add_builtin(char which, Ranges& out) {
  static const Range digit[] = {{'0', '9'}};
  static const Range word[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
  static const Range space[] = {{9, 13},         {32, 32},         {0xA0, 0xA0},     {0x1680, 0x1680},
                                {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
                                {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
  char lower = static_cast<char>(ascii_lower(which));
  const Range* b = lower == 'd' ? digit : lower == 'w' ? word : space;
  const Range* e = lower == 'd' ? digit + 1 : lower == 'w' ? word + 4 : space + 10;
  if (lower == which) {
    out.insert(out.end(), b, e);
    return;
  }
  uint32_t from = 0;  // complement (\D \W \S)
  for (const Range* r = b; r != e; ++r) {
    if (r->first > from) out.push_back({static_cast<uint16_t>(from), static_cast<uint16_t>(r->first - 1)});
    from = r->second + 1u;
  }
  if (from <= 0xFFFF) out.push_back({static_cast<uint16_t>(from), 0xFFFF});
}

struct Node {
  enum Kind { kEmpty, kUnit, kClass, kAny, kCat, kAlt, kRepeat, kAssert } kind = kEmpty;
  uint16_t unit = 0;
  bool negated = false;
  uint8_t assertion = 0;  // kBol, kEol, kWordB, kNotWordB
  int min = 0, max = 0;   // max -1: unbounded
  Ranges ranges;
  std::vector<Node> kids;
};

}  // namespace

// Parses the pattern into a small tree, then emits a Thompson program.
class RegexCompiler {
 public:
  RegexCompiler(std::string_view pattern, bool ignore_case) : icase_(ignore_case) {
    Utf16Reader reader(pattern);
    for (int c = reader.next(); c >= 0; c = reader.next()) src_.push_back(static_cast<uint16_t>(c));
  }

  Result<Regex> run() {
    Node root = parse_alternation();
    if (ok() && pos_ < src_.size()) fail("unmatched ')'");
    if (!ok()) return error_;
    Regex re;
    re.ignore_case_ = icase_;
    re_ = &re;
    emit(root);
    push(kMatch);
    if (re.program_.size() > kMaxProgram)
      return make_error("", "pattern too large (more than " + std::to_string(kMaxProgram) +
                                " steps after expanding repetitions)");
    return re;
  }

 private:
  bool ok() const { return error_.message.empty(); }
  void fail(const std::string& why) {
    if (ok()) error_ = make_error("", why + " at character " + std::to_string(pos_));
  }
  bool more() const { return pos_ < src_.size(); }
  int peek(size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : -1; }

  Node parse_alternation() {
    if (++depth_ > kMaxDepth) {
      fail("groups nested too deeply");
      return {};
    }
    Node alt;
    alt.kind = Node::kAlt;
    alt.kids.push_back(parse_sequence());
    while (ok() && peek() == '|') {
      ++pos_;
      alt.kids.push_back(parse_sequence());
    }
    --depth_;
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Node parse_sequence() {
    Node seq;
    seq.kind = Node::kCat;
    while (ok() && more() && peek() != '|' && peek() != ')') {
      Node atom = parse_atom();
      if (!ok()) break;
      parse_quantifier(atom);
      seq.kids.push_back(std::move(atom));
    }
    return seq;
  }

  // {n}, {n,}, {n,m} at pos_: fills min/max and returns the length, or 0 when
  // the brace is not a quantifier (then it is a literal, as in JS).
  size_t brace_quantifier(int& min, int& max) const {
    size_t i = pos_ + 1;
    auto number = [&](int& out) {
      size_t start = i;
      long v = 0;
      while (i < src_.size() && src_[i] >= '0' && src_[i] <= '9') {
        if (v <= kMaxRepeat) v = v * 10 + (src_[i] - '0');
        ++i;
      }
      out = v > kMaxRepeat ? kMaxRepeat + 1 : static_cast<int>(v);
      return i > start;
    };
    if (!number(min)) return 0;
    max = min;
    if (i < src_.size() && src_[i] == ',') {
      ++i;
      max = -1;
      if (i < src_.size() && src_[i] != '}' && !number(max)) return 0;
    }
    if (i >= src_.size() || src_[i] != '}') return 0;
    return i + 1 - pos_;
  }

  bool at_quantifier() const {
    int c = peek(), lo, hi;
    return c == '*' || c == '+' || c == '?' || (c == '{' && brace_quantifier(lo, hi) > 0);
  }

  void parse_quantifier(Node& atom) {
    int min, max;
    int c = peek();
    if (c == '*') min = 0, max = -1, ++pos_;
    else if (c == '+') min = 1, max = -1, ++pos_;
    else if (c == '?') min = 0, max = 1, ++pos_;
    else if (c == '{') {
      size_t len = brace_quantifier(min, max);
      if (!len) return;
      if (min > kMaxRepeat || max > kMaxRepeat) return fail("repetition count above " + std::to_string(kMaxRepeat));
      if (max >= 0 && max < min) return fail("numbers out of order in {} quantifier");
      pos_ += len;
    } else {
      return;
    }
    if (atom.kind == Node::kAssert) return fail("nothing to repeat");
    // Lazy and greedy quantifiers accept the same texts; only match/no-match is asked.
    if (peek() == '?') ++pos_;
    if (at_quantifier()) return fail("nothing to repeat");
    Node rep;
    rep.kind = Node::kRepeat;
    rep.min = min;
    rep.max = max;
    rep.kids.push_back(std::move(atom));
    atom = std::move(rep);
  }

  Node unit_node(int c) {
    Node n;
    n.kind = Node::kUnit;
    if (icase_ && c >= 0x80) fail("case-insensitive patterns may only name ASCII characters");
    n.unit = static_cast<uint16_t>(icase_ ? ascii_lower(c) : c);
    return n;
  }

  Node parse_atom() {
    int c = src_[pos_];
    if (at_quantifier()) {
      fail("nothing to repeat");
      return {};
    }
    ++pos_;
    Node n;
    switch (c) {
      case '.':
        n.kind = Node::kAny;
        return n;
      case '^':
      case '$':
        n.kind = Node::kAssert;
        n.assertion = c == '^' ? kBol : kEol;
        return n;
      case '[':
        return parse_class();
      case '(':
        return parse_group();
      case '\\':
        return parse_escape_atom();
      default:
        return unit_node(c);
    }
  }

  Node parse_group() {
    if (peek() == '?') {
      int kind = peek(1);
      if (kind == ':') {
        pos_ += 2;
      } else {
        if (kind == '=' || kind == '!') fail("lookahead (?=...) / (?!...) is not supported");
        else if (kind == '<' && (peek(2) == '=' || peek(2) == '!')) fail("lookbehind (?<=...) / (?<!...) is not supported");
        else if (kind == '<') fail("named groups (?<name>...) are not supported");
        else fail("invalid group '(?'");
        return {};
      }
    }
    Node inner = parse_alternation();
    if (!ok()) return {};
    if (peek() != ')') {
      fail("missing ')'");
      return {};
    }
    ++pos_;
    return inner;
  }

  int hex_digits(int count) {
    int v = 0;
    for (int i = 0; i < count; ++i) {
      int c = peek(i);
      int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    pos_ += count;
    return v;
  }

  // An escape after the backslash: returns a code unit, or -1 having filled
  // `set` (\d \w \s and negations), or -2 on error. `\b` is an assertion outside
  // classes and handled by the caller.
  int parse_escape(bool in_class, Ranges& set) {
    if (!more()) {
      fail("\\ at end of pattern");
      return -2;
    }
    int c = src_[pos_++];
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        add_builtin(static_cast<char>(c), set);
        return -1;
      case 't': return '\t';
      case 'n': return '\n';
      case 'v': return '\v';
      case 'f': return '\f';
      case 'r': return '\r';
      case 'b': return 8;  // only reached inside a class: backspace
      case '0':
        if (peek() >= '0' && peek() <= '9') break;
        return 0;
      case 'c':
        if (is_ascii_alpha(peek())) return src_[pos_++] % 32;
        fail("\\c must be followed by a letter");
        return -2;
      case 'x': {
        int v = hex_digits(2);
        if (v < 0) fail("\\x must be followed by two hex digits");
        return v < 0 ? -2 : v;
      }
      case 'u': {
        if (peek() == '{') {
          fail("\\u{...} needs the u flag, which is not supported");
          return -2;
        }
        int v = hex_digits(4);
        if (v < 0) fail("\\u must be followed by four hex digits");
        return v < 0 ? -2 : v;
      }
      case 'k':
        fail("named backreferences (\\k) are not supported");
        return -2;
      case 'p': case 'P':
        fail("Unicode property escapes (\\p{...}) are not supported");
        return -2;
      default:
        if (c >= '1' && c <= '9') break;
        // JavaScript reads any other escaped letter as the letter itself, for
        // old web pages' sake; whoever wrote \A, \z or \Q meant another dialect.
        if (is_ascii_alpha(c)) {
          std::string letter(1, static_cast<char>(c));
          fail("\\" + letter + " is an escape JavaScript reads only as the letter " + letter +
               " (old web pages' syntax): write " + letter + ", or ^ and $ for anchors");
          return -2;
        }
        return c;  // identity escape: \. \/ \- \$ ...
    }
    --pos_;
    // JavaScript never reads \0 before a digit as a backreference: it is an octal escape.
    fail(in_class || c == '0' ? "octal escapes are not supported" : "backreferences (\\1...) are not supported");
    return -2;
  }

  Node parse_escape_atom() {
    Node n;
    if (peek() == 'b' || peek() == 'B') {
      n.kind = Node::kAssert;
      n.assertion = src_[pos_++] == 'b' ? kWordB : kNotWordB;
      return n;
    }
    Ranges set;
    int u = parse_escape(false, set);
    if (u == -2) return n;
    if (u >= 0) return unit_node(u);
    n.kind = Node::kClass;
    n.ranges = std::move(set);
    return n;
  }

  // One class member: a unit (returned) or a set merged into `set` (-1); -2 on error.
  int class_atom(Ranges& set) {
    int c = src_[pos_++];
    if (c != '\\') return c;
    return parse_escape(true, set);
  }

  // "[:name:]" (or "[.x.]", "[=x=]") inside a class: POSIX syntax, which
  // JavaScript reads as the characters "[", ":", "n", ... and a "]" after the class.
  bool posix_class_ahead() const {
    int open = peek(1);
    if (peek() != '[' || (open != ':' && open != '.' && open != '=')) return false;
    size_t i = 2;
    while (is_ascii_alpha(peek(i))) ++i;
    return i > 2 && peek(i) == open && peek(i + 1) == ']';
  }

  Node parse_class() {
    Node n;
    n.kind = Node::kClass;
    if (peek() == '^') {
      n.negated = true;
      ++pos_;
    }
    Ranges& set = n.ranges;
    while (ok()) {
      if (!more()) {
        fail("missing ']'");
        break;
      }
      if (peek() == ']') {
        ++pos_;
        break;
      }
      if (posix_class_ahead()) {
        fail("POSIX classes such as [:alpha:] are not supported (JavaScript reads them as a set of single characters)");
        break;
      }
      int lo = class_atom(set);
      if (lo == -2) break;
      // A range needs single characters on both sides; otherwise '-' is literal.
      if (lo >= 0 && peek() == '-' && peek(1) != ']' && peek(1) != -1) {
        ++pos_;
        Ranges tail;
        int hi = class_atom(tail);
        if (hi == -2) break;
        if (hi < 0) {
          add_unit(set, lo);
          add_unit(set, '-');
          set.insert(set.end(), tail.begin(), tail.end());
          continue;
        }
        if (hi < lo) {
          fail("range out of order in character class");
          break;
        }
        if (icase_ && hi >= 0x80) fail("case-insensitive patterns may only name ASCII characters");
        set.push_back({static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)});
      } else if (lo >= 0) {
        add_unit(set, lo);
      }
    }
    return n;
  }

  void add_unit(Ranges& set, int c) {
    if (icase_ && c >= 0x80) fail("case-insensitive patterns may only name ASCII characters");
    set.push_back({static_cast<uint16_t>(c), static_cast<uint16_t>(c)});
  }

  // ---- emission ----
  uint32_t push(uint8_t op, uint32_t x = 0, uint32_t y = 0) {
    re_->program_.push_back(Regex::Inst{op, false, 0, x, y});
    return static_cast<uint32_t>(re_->program_.size() - 1);
  }
  uint32_t here() const { return static_cast<uint32_t>(re_->program_.size()); }

  void emit(const Node& n) {
    auto& prog = re_->program_;
    if (prog.size() > kMaxProgram) return;  // reported by run()
    switch (n.kind) {
      case Node::kEmpty:
        return;
      case Node::kUnit:
        prog.push_back(Regex::Inst{kUnit, false, n.unit, 0, 0});
        return;
      case Node::kAny:
        push(kAny);
        return;
      case Node::kAssert:
        push(n.assertion);
        return;
      case Node::kClass: {
        auto& r = re_->ranges_;
        uint32_t offset = static_cast<uint32_t>(r.size() / 2);
        for (const auto& range : n.ranges) {
          r.push_back(range.first);
          r.push_back(range.second);
        }
        prog.push_back(Regex::Inst{kClass, n.negated, 0, offset, static_cast<uint32_t>(n.ranges.size())});
        return;
      }
      case Node::kCat:
        for (const auto& k : n.kids) emit(k);
        return;
      case Node::kAlt: {
        std::vector<uint32_t> exits;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          if (i + 1 < n.kids.size()) {
            uint32_t split = push(kSplit, here() + 1);
            emit(n.kids[i]);
            exits.push_back(push(kJmp));
            if (prog.size() > kMaxProgram) return;
            prog[split].y = here();
          } else {
            emit(n.kids[i]);
          }
        }
        for (uint32_t e : exits) prog[e].x = here();
        return;
      }
      case Node::kRepeat: {
        const Node& body = n.kids[0];
        for (int i = 0; i < n.min && prog.size() <= kMaxProgram; ++i) emit(body);
        if (n.max < 0) {
          uint32_t loop = push(kSplit, here() + 1);
          emit(body);
          push(kJmp, loop);
          if (prog.size() > kMaxProgram) return;
          prog[loop].y = here();
          return;
        }
        std::vector<uint32_t> skips;
        for (int i = n.min; i < n.max && prog.size() <= kMaxProgram; ++i) {
          skips.push_back(push(kSplit, here() + 1));
          emit(body);
        }
        if (prog.size() > kMaxProgram) return;
        for (uint32_t s : skips) prog[s].y = here();
        return;
      }
    }
  }

  std::vector<uint16_t> src_;
  size_t pos_ = 0;
  bool icase_;
  int depth_ = 0;
  Error error_;
  Regex* re_ = nullptr;
};

Result<Regex> Regex::compile(std::string_view pattern, bool ignore_case) {
  return RegexCompiler(pattern, ignore_case).run();
}

namespace {
// The set of program counters alive at one text position (sparse set: O(1)
// insert, membership and clear, no allocation while searching).
struct ThreadList {
  uint32_t* dense;
  uint32_t* sparse;
  uint32_t size = 0;
  bool contains(uint32_t pc) const { return sparse[pc] < size && dense[sparse[pc]] == pc; }
  void insert(uint32_t pc) {
    sparse[pc] = size;
    dense[size++] = pc;
  }
};
}  // namespace

bool Regex::search(std::string_view text) const {
  const uint32_t n = static_cast<uint32_t>(program_.size());
  // Scratch: two thread lists plus a stack for epsilon closures.
  constexpr uint32_t kLocal = 64;
  // The closure stack holds at most two entries per instruction, plus the start.
  uint32_t local[6 * kLocal + 1];
  std::vector<uint32_t> heap;
  uint32_t* mem = local;
  if (n > kLocal) {
    heap.resize(6 * static_cast<size_t>(n) + 1);
    mem = heap.data();
  }
  std::fill(mem, mem + 4 * n, 0u);  // the sparse sets are never read uninitialised
  ThreadList lists[2] = {{mem, mem + n}, {mem + 2 * n, mem + 3 * n}};
  uint32_t* stack = mem + 4 * n;

  // Follows jumps, splits and zero-width assertions from `start` at the
  // position between units `prev` and `cur` (-1 = text edge).
  auto add = [&](ThreadList& list, uint32_t start, int prev, int cur) {
    uint32_t top = 0;
    stack[top++] = start;
    while (top) {
      uint32_t pc = stack[--top];
      if (list.contains(pc)) continue;
      list.insert(pc);
      const Inst& in = program_[pc];
      switch (in.op) {
        case kJmp: stack[top++] = in.x; break;
        case kSplit: stack[top++] = in.y; stack[top++] = in.x; break;
        case kBol: if (prev < 0) stack[top++] = pc + 1; break;
        case kEol: if (cur < 0) stack[top++] = pc + 1; break;
        case kWordB: if (is_word(prev) != is_word(cur)) stack[top++] = pc + 1; break;
        case kNotWordB: if (is_word(prev) == is_word(cur)) stack[top++] = pc + 1; break;
        default: break;
      }
    }
  };
  auto in_class = [&](const Inst& in, int c) {
    const uint16_t* r = ranges_.data() + 2 * in.x;
    for (uint32_t i = 0; i < in.y; ++i)
      if (c >= r[2 * i] && c <= r[2 * i + 1]) return true;
    return false;
  };

  Utf16Reader reader(text);
  int prev = -1, cur = reader.next();
  ThreadList* clist = &lists[0];
  ThreadList* nlist = &lists[1];
  for (;;) {
    add(*clist, 0, prev, cur);  // a match may start at any position
    int next = cur < 0 ? -1 : reader.next();
    nlist->size = 0;
    for (uint32_t i = 0; i < clist->size; ++i) {
      uint32_t pc = clist->dense[i];
      const Inst& in = program_[pc];
      bool step = false;
      switch (in.op) {
        case kMatch: return true;
        case kUnit: step = cur >= 0 && (ignore_case_ ? ascii_lower(cur) : cur) == in.unit; break;
        case kAny: step = cur >= 0 && !is_line_terminator(cur); break;
        case kClass:
          if (cur < 0) break;
          step = in_class(in, cur) || (ignore_case_ && is_ascii_alpha(cur) && in_class(in, cur ^ 0x20));
          step = step != in.negated;
          break;
        default: break;
      }
      if (step) add(*nlist, pc + 1, cur, next);
    }
    if (cur < 0) return false;
    std::swap(clist, nlist);
    prev = cur;
    cur = next;
  }
}

}  // namespace tactful
