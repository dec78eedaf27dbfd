// A sealed report opened with the collector's secret key, as JSON: the core's
// `report.open` operation. Test helpers run it in Node with the same wasm core
// the browser uses, so a site owner's CI can read what its pages send without
// our native tools; the checks are the collector's own (open_report).
#pragma once
#include "tactful/json.hpp"
#include "tactful/report.hpp"

namespace tactful {

// in: {report: base64 of the sealed bytes, secretKey: base64 of 32 bytes}.
// Out: {ok: true, size, version, keyId, schema, window, windowStart,
//       metrics: [{id, kind, mechanism, epsilon, value?, supports: [labels]}]}
// where `supports` are the labels the (still noised) encoding supports and
// `value` is the one reported label for randomized response; or
// {error, path} when the input is malformed or the report does not open.
json open_report_json(const ReportRules& rules, const json& in);

// What an opened report holds (the fields above, from `ok` to `metrics`):
// shared by report.open and `tactful open-report`.
json opened_report_json(const ReportRules& rules, const uint8_t* body, size_t len, const OpenedReport& opened);

}  // namespace tactful
