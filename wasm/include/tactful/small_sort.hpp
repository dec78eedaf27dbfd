// A sort small in code (one short template, none of std::sort's introsort
// machinery, ~1.5 KB of wasm per element type) and fast enough for the few
// thousand items the core ever sorts. Not stable.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace tactful {

template <typename T>
void small_sort(std::vector<T>& v) {
  for (size_t gap = v.size() / 2; gap > 0; gap = gap == 2 ? 1 : gap * 5 / 11) {
    for (size_t i = gap; i < v.size(); ++i) {
      T item = std::move(v[i]);
      size_t j = i;
      for (; j >= gap && item < v[j - gap]; j -= gap) v[j] = std::move(v[j - gap]);
      v[j] = std::move(item);
    }
  }
}

}  // namespace tactful
