// Version strings compared the way GrowthBook's `$veq`/`$vgt`/... do: each
// version becomes a padded string whose plain ordering is the version order
// ("v1.2.3+build" -> "    1-    2-    3-~", "1.0.0-rc.1" -> "    1-    0-    0-rc-    1").
#pragma once
#include <string>
#include <string_view>

namespace tactful {

// GrowthBook's `paddedVersionString`: drops a leading "v" and "+build", splits
// on "-" and ".", adds "~" after a plain x.y.z (so releases sort after their
// pre-releases) and left-pads numeric parts to 5 characters.
std::string padded_version_string(std::string_view version);

}  // namespace tactful
