#include "tactful/suppress.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

// The published sums are linear equations over the hidden cells. Seen as a
// graph, with a node per row (a window, the total, the unlisted rest) and per
// column (a cell label) and an edge per hidden cell, each node's equation is
// the sum of its edges (the total's row counts negatively in its columns'
// sums, so they are sums too). Such a system pins down exactly the edges that
// are bridges (no cycle through them): on a cycle, adding x to every other
// edge and taking x from the rest keeps every sum. So a hidden cell is safe
// if and only if some cycle of hidden cells runs through it.

namespace tactful {

namespace {

struct Cell {
  size_t row, col;
};

// The hidden cells of one metric's table, and which of them must stay unknown.
struct Table {
  std::vector<const MetricEstimate*> rows;  // the listed windows, the total, then the rest (if any)
  size_t shown_rows = 0;                    // rows that are published (all but the rest)
  size_t cols = 0;
  std::vector<std::vector<bool>> hidden;  // [row][col]; every cell of the rest

  size_t col_node(size_t col) const { return rows.size() + col; }
  size_t nodes() const { return rows.size() + cols; }
  // Hidden cells of published rows all need cover: a complementary one
  // shown would give away the small one it covers. The rest is derivable
  // anyway; only its cells under the minimum need cover. A cell no browser
  // can report needs none: what it gives away is noise.
  bool needs_cover(const Cell& c) const {
    const CellEstimate& cell = rows[c.row]->cells[c.col];
    return !cell.impossible && (c.row < shown_rows || cell.suppressed);
  }
};

// Bridges among the hidden cells (Tarjan's low-link, depth first).
class Bridges {
 public:
  explicit Bridges(const Table& t) : t_(t), adj_(t.nodes()), tin_(t.nodes(), kUnseen), low_(t.nodes()), out_(t.nodes()),
                                     comp_(t.nodes()) {
    for (size_t r = 0; r < t.rows.size(); ++r) {
      for (size_t c = 0; c < t.cols; ++c) {
        if (!t.hidden[r][c]) continue;
        adj_[r].push_back({t.col_node(c), cells_.size()});
        adj_[t.col_node(c)].push_back({r, cells_.size()});
        cells_.push_back({r, c});
      }
    }
    for (size_t n = 0; n < t.nodes(); ++n) {
      if (tin_[n] == kUnseen) {
        visit(n, kNone, n);
      }
    }
  }

  // The first bridge that must not be a bridge: its cell and the node below
  // it in the search tree (removing it leaves that node's subtree on one side).
  bool exposed(Cell& cell, size_t& below) const {
    for (const auto& [id, child] : bridges_) {
      if (t_.needs_cover(cells_[id])) {
        cell = cells_[id];
        below = child;
        return true;
      }
    }
    return false;
  }
  bool same_component(size_t a, size_t b) const { return comp_[a] == comp_[b]; }
  bool in_subtree(size_t node, size_t root) const { return tin_[root] <= tin_[node] && out_[node] <= out_[root]; }

 private:
  static constexpr size_t kUnseen = std::numeric_limits<size_t>::max();
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();
  struct Edge {
    size_t to, id;
  };

  // Recursion depth is at most the number of rows and columns.
  void visit(size_t n, size_t via, size_t comp) {
    comp_[n] = comp;
    tin_[n] = low_[n] = clock_++;
    for (const Edge& e : adj_[n]) {
      if (e.id == via) continue;
      if (tin_[e.to] == kUnseen) {
        visit(e.to, e.id, comp);
        low_[n] = std::min(low_[n], low_[e.to]);
        if (low_[e.to] > tin_[n]) bridges_.push_back({e.id, e.to});
      } else {
        low_[n] = std::min(low_[n], tin_[e.to]);
      }
    }
    out_[n] = clock_++;
  }

  const Table& t_;
  std::vector<Cell> cells_;
  std::vector<std::vector<Edge>> adj_;
  std::vector<size_t> tin_, low_, out_, comp_;
  std::vector<std::pair<size_t, size_t>> bridges_;  // cell id, the node below it
  size_t clock_ = 0;
};

// The published cell to hide so that `bridge` gets a cycle: the smallest
// that joins its two sides, else the smallest next to it (which widens its
// side and lets a later pick close one). False if every cell is hidden.
bool cover(const Table& t, const Bridges& b, const Cell& bridge, size_t below, Cell& pick) {
  double best_join = std::numeric_limits<double>::infinity(), best_next = best_join;
  Cell join{}, next{};
  bool found_join = false, found_next = false;
  const size_t row_node = bridge.row, col_node = t.col_node(bridge.col);
  for (size_t r = 0; r < t.shown_rows; ++r) {
    for (size_t c = 0; c < t.cols; ++c) {
      if (t.hidden[r][c]) continue;
      double size = std::fabs(t.rows[r]->cells[c].count);
      size_t cn = t.col_node(c);
      bool joins = b.same_component(r, row_node) && b.same_component(cn, row_node) &&
                   b.in_subtree(r, below) != b.in_subtree(cn, below);
      if (joins && size < best_join) {
        best_join = size;
        join = {r, c};
        found_join = true;
      }
      bool beside = r == row_node || cn == col_node;
      if (beside && size < best_next) {
        best_next = size;
        next = {r, c};
        found_next = true;
      }
    }
  }
  pick = found_join ? join : next;
  return found_join || found_next;
}

// A rate needs both of its variant's cells; a lift, both rates.
void hide_rates(MetricEstimate& m) {
  for (size_t v = 0; v < m.rates.size() && 2 * v + 1 < m.cells.size(); ++v) {
    if (m.cells[2 * v].suppressed || m.cells[2 * v + 1].suppressed) m.rates[v].suppressed = true;
  }
  for (RateEstimate& r : m.rates) {
    if (r.suppressed || m.rates[0].suppressed) r.has_lift = false;
  }
}

}  // namespace

void suppress_complements(const std::vector<MetricEstimate*>& listed, MetricEstimate& total,
                          const MetricEstimate* rest) {
  Table t;
  t.rows.assign(listed.begin(), listed.end());
  t.rows.push_back(&total);
  t.shown_rows = t.rows.size();
  if (rest) t.rows.push_back(rest);
  t.cols = total.cells.size();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    t.hidden.emplace_back(t.cols, true);
    for (size_t c = 0; c < t.cols && r < t.shown_rows; ++c) t.hidden[r][c] = t.rows[r]->cells[c].suppressed;
  }
  // Each round hides one more cell, so this ends (at worst with every cell hidden: no bridges then).
  for (;;) {
    Bridges b(t);
    Cell bridge{}, pick{};
    size_t below = 0;
    if (!b.exposed(bridge, below) || !cover(t, b, bridge, below, pick)) break;
    t.hidden[pick.row][pick.col] = true;
    MetricEstimate* row = pick.row < listed.size() ? listed[pick.row] : &total;
    row->cells[pick.col].suppressed = true;
  }
  for (MetricEstimate* m : listed) hide_rates(*m);
  hide_rates(total);
}

}  // namespace tactful
