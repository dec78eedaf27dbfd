// Complementary suppression: the k-minimum hides small cells, and this hides
// whatever else would give one of them away. The owner sees a metric's cells
// per window and over all windows (the total), and every sum among them is
// public: a window's cells add up to its reports, and a cell's windows add up
// to its total (with the windows not listed, which anyone can work out as the
// total minus the listed ones). A hidden cell that is the only unknown of a
// sum, or that those sums pin down together, is as good as shown.
#pragma once
#include <vector>

#include "tactful/estimate.hpp"

namespace tactful {

// Hides more cells of `listed` and `total` (already suppressed below the
// minimum by estimate_metric) until no hidden cell, and no cell of `rest`
// under the minimum, follows from the published figures; then hides every
// rate (and lift) that involves a hidden cell. `rest`: the estimates of the
// windows left out of the list (never published), or null if there are none.
void suppress_complements(const std::vector<MetricEstimate*>& listed, MetricEstimate& total,
                          const MetricEstimate* rest);

}  // namespace tactful
