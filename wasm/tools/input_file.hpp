// The files the commands read (configs, keys, reports), each read one way so
// that one that cannot be read says so: a directory or a missing file is a
// usage error (exit 2), never "invalid JSON" or an empty list of reports.
#pragma once
#include <string>

#include "tactful/result.hpp"

namespace tactful::cli {

// The whole file; the error reads "cannot read 'PATH': it is a directory"
// (or the system's reason: "No such file or directory", "Permission denied").
// Pipes such as /dev/stdin or <(...) are files here too.
Result<std::string> read_input_file(const std::string& path);

// "'PATH' holds no reports (no non-empty lines)", or "stdin ..." for "-": what
// aggregate and open-report say of an empty input, the wrong file or a pipe
// whose first command failed, rather than printing nothing and exiting 0.
std::string holds_no_reports(const std::string& path);

}  // namespace tactful::cli
