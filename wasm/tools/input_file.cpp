#include "input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tactful::cli {

namespace {
Error cannot_read(const std::string& path, const std::string& why) {
  return make_error("", "cannot read '" + path + "': " + why);
}
}  // namespace

Result<std::string> read_input_file(const std::string& path) {
  // POSIX rather than std::ifstream: an ifstream opens a directory without
  // complaint and then reads nothing (or throws from its iterator).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot_read(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return cannot_read(path, "it is a directory");
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return cannot_read(path, why);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string holds_no_reports(const std::string& path) {
  return (path == "-" ? std::string("stdin") : "'" + path + "'") + " holds no reports (no non-empty lines)";
}

}  // namespace tactful::cli
