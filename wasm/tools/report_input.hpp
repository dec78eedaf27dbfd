// One line of `tactful report`'s input: a window accumulator as the browser
// stores it (report.hpp), plus what a report reads from consent and the
// profile. Checked against the config, so a simulation cannot seal a report
// no browser could send: an unknown key, interest, category, slot or
// variant, a time in seconds or in the future, is an error naming its key.
#pragma once
#include "tactful/config.hpp"
#include "tactful/json.hpp"
#include "tactful/report.hpp"
#include "tactful/result.hpp"

namespace tactful::cli {

struct ReportLine {
  WindowAccumulator window;
  ReportInputs inputs;
};

// `line`: {started?, slots?, converted?, pageViews?, visits?, lastPageView?,
// reported?, allowedCategories?: [category...], topInterest?: "interest id"}.
// Its times may not be later than a few minutes past `now_ms`.
Result<ReportLine> read_report_line(const json& line, const Config& config, int64_t now_ms);

}  // namespace tactful::cli
