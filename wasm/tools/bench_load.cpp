// `tactful bench-load`: the load client of the collector bench
// (bench/collector.mjs). It sends every given sealed report once, each as its
// own HTTP/1.1 POST, as a browser's fetch would (no batching, no pipelining:
// one request in flight per connection), over C keep-alive loopback
// connections, and counts the status of every answer. A connection sends at
// most --per-address reports and then gives way to a new one from the next
// loopback address (127.x.y.z), since the collector rate-limits per address.
// Native and single-threaded (epoll), so that the client takes little of the
// CPU it shares with the collector. Prints one JSON object.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "input_file.hpp"
#include "options.hpp"
#include "tactful/base64.hpp"
#include "tactful/json.hpp"

namespace tactful::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/collect";
  std::string reports_path;
  int connections = 32;
  int per_address = 15;
};

// The n-th client address: 127.1.0.1, 127.1.0.2, ... (never the server's 127.0.0.1).
in_addr_t client_address(uint32_t n) {
  return htonl((127u << 24) | ((1 + ((n >> 16) & 127)) << 16) | (n & 0xffff));
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Case-insensitive search for a header line's name ("\r\nname:") within the head.
size_t find_header(const std::string& head, const char* name) {
  std::string needle = std::string("\r\n") + name + ":";
  auto it = std::search(head.begin(), head.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it == head.end() ? std::string::npos : static_cast<size_t>(it - head.begin()) + needle.size();
}

class Load {
 public:
  Load(const LoadOptions& o, std::vector<std::string> reports) : o_(o), reports_(std::move(reports)) {
    server_.sin_family = AF_INET;
    server_.sin_port = htons(static_cast<uint16_t>(o.port));
    inet_pton(AF_INET, o.host.c_str(), &server_.sin_addr);
    prefix_ = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
              "\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
  }

  // Runs until every report has an answer (or failed); returns false on a socket error.
  bool run(std::string& error) {
    ep_ = epoll_create1(0);
    conns_.resize(static_cast<size_t>(std::max(1, o_.connections)));
    for (size_t i = 0; i < conns_.size() && next_ < reports_.size(); ++i) {
      if (!open(i, error) || !send_next(i, error)) return false;
    }
    std::vector<epoll_event> events(conns_.size());
    while (answered_ < reports_.size()) {
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 10000);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        error = n == 0 ? "no answer for 10 s" : std::string("epoll_wait: ") + std::strerror(errno);
        return false;
      }
      for (int e = 0; e < n; ++e) {
        size_t i = events[e].data.u32;
        if ((events[e].events & EPOLLOUT) && !flush(i, error)) return false;
        if ((events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !receive(i, error)) return false;
      }
    }
    close(ep_);
    return true;
  }

  std::map<int, size_t> statuses;
  std::vector<double> latencies_ms;
  uint32_t addresses = 0;

 private:
  struct Conn {
    int fd = -1;
    int used = 0;
    std::string out;
    size_t out_at = 0;
    std::string in;
    Clock::time_point sent_at;
    bool busy = false;          // a request is waiting for its answer
    bool watching_out = true;   // EPOLLOUT is in its epoll interest (until connected and sent)
  };

  bool open(size_t i, std::string& error) {
    Conn& c = conns_[i];
    c = Conn{};
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = client_address(++addresses);
    if (bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        (connect(c.fd, reinterpret_cast<sockaddr*>(&server_), sizeof server_) != 0 && errno != EINPROGRESS)) {
      error = std::string("connect: ") + std::strerror(errno);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
  }

  void close_conn(size_t i) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
  }

  // The next report on connection i (a new connection once this one has sent its share).
  bool send_next(size_t i, std::string& error) {
    if (next_ >= reports_.size()) {
      close_conn(i);
      return true;
    }
    Conn& c = conns_[i];
    if (c.fd < 0 || c.used == o_.per_address) {
      close_conn(i);
      if (!open(i, error)) return false;
    }
    const std::string& body = reports_[next_++];
    c.out = prefix_ + std::to_string(body.size()) + "\r\n\r\n" + body;
    c.out_at = 0;
    c.used += 1;
    c.busy = true;
    c.sent_at = Clock::now();
    return flush(i, error);
  }

  bool flush(size_t i, std::string& error) {
    Conn& c = conns_[i];
    while (c.fd >= 0 && c.out_at < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == ENOTCONN) break;  // still connecting, or the buffer is full
        error = std::string("send: ") + std::strerror(errno);
        return false;
      }
      c.out_at += static_cast<size_t>(n);
    }
    // Ask for writability only while something is left to send (one syscall saved per request otherwise).
    bool want_out = c.out_at < c.out.size();
    if (c.fd >= 0 && want_out != c.watching_out) {
      epoll_event ev{};
      ev.events = want_out ? EPOLLIN | EPOLLOUT : EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(i);
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      c.watching_out = want_out;
    }
    return true;
  }

  bool receive(size_t i, std::string& error) {
    Conn& c = conns_[i];
    char buf[4096];
    // One read per readiness event: an answer fits in one, and epoll reports what is left.
    bool closing = false;
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      closing = true;  // closed or reset by the server
    }
    bool answered = false;
    size_t head_end = c.busy ? c.in.find("\r\n\r\n") : std::string::npos;
    if (head_end != std::string::npos) {
      std::string head = c.in.substr(0, head_end + 2);
      size_t length = 0;
      if (size_t at = find_header(head, "content-length"); at != std::string::npos) {
        length = std::strtoul(head.c_str() + at, nullptr, 10);
      }
      if (c.in.size() >= head_end + 4 + length) {
        int status = head.compare(0, 5, "HTTP/") == 0 && head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
        size_t conn_at = find_header(head, "connection");
        closing = closing || (conn_at != std::string::npos && head.compare(conn_at, 6, " close") == 0);
        c.in.erase(0, head_end + 4 + length);
        answer(i, status);
        answered = true;
      }
    }
    if (closing) {
      if (c.busy) answer(i, 0);  // the server closed with our request unanswered
      answered = true;
      close_conn(i);
    }
    return answered ? send_next(i, error) : true;
  }

  void answer(size_t i, int status) {
    Conn& c = conns_[i];
    c.busy = false;
    ++statuses[status];
    ++answered_;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.sent_at).count());
  }

  const LoadOptions& o_;
  std::vector<std::string> reports_;
  sockaddr_in server_{};
  std::string prefix_;
  int ep_ = -1;
  std::vector<Conn> conns_;
  size_t next_ = 0, answered_ = 0;
};

const char* const kUsage =
    "tactful bench-load --port N --reports FILE [--host 127.0.0.1] [--path /collect]\n"
    "                   [--connections 32] [--per-address 15]\n"
    "  FILE: base64 reports, one a line (as `tactful report` prints them)";

int bench_load(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  LoadOptions o;
  Options opts(args, {{"--host", "--port", "--path", "--reports", "--connections", "--per-address"}});
  o.host = opts.text("--host", o.host);
  o.path = opts.text("--path", o.path);
  o.reports_path = opts.text("--reports");
  o.port = static_cast<int>(opts.whole("--port", 0, 1, 65535));
  o.connections = static_cast<int>(opts.whole("--connections", o.connections, 1, 10000));
  o.per_address = static_cast<int>(opts.whole("--per-address", o.per_address, 1, 1000000));
  opts.require({"--port", "--reports"});
  if (!opts.ok()) return usage_error("bench-load", opts.error(), kUsage, err);
  in_addr probe{};
  if (inet_pton(AF_INET, o.host.c_str(), &probe) != 1) {
    return usage_error("bench-load", "--host: expected an IPv4 address, got '" + o.host + "'", kUsage, err);
  }
  auto text = read_input_file(o.reports_path);
  if (!text.ok()) {
    err << "tactful bench-load: --reports: " << text.error().message << "\n";
    return 2;
  }
  std::istringstream in(*text);
  std::vector<std::string> reports;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto bytes = base64_decode(line);
    if (!bytes) {
      err << "tactful bench-load: " << o.reports_path << " line " << n << " is not base64\n";
      return 1;
    }
    reports.push_back(std::move(*bytes));
  }
  if (reports.empty()) {
    err << "tactful bench-load: " << holds_no_reports(o.reports_path) << ": nothing to send\n";
    return 1;
  }

  Load load(o, std::move(reports));
  std::string error;
  double cpu0 = cpu_seconds();
  auto start = Clock::now();
  bool ok = load.run(error);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = cpu_seconds() - cpu0;
  if (!ok) {
    err << "tactful bench-load: " << error << "\n";
    return 1;
  }
  auto& l = load.latencies_ms;
  std::sort(l.begin(), l.end());
  auto at = [&](double q) { return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<size_t>(l.size() * q))]; };
  json statuses = json::object();
  for (const auto& [status, count] : load.statuses) statuses[std::to_string(status)] = count;
  json result = {{"sent", l.size()},
                 {"statuses", statuses},
                 {"seconds", seconds},
                 {"connections", o.connections},
                 {"addresses", load.addresses},
                 {"latencyMs", {{"p50", at(0.5)}, {"p99", at(0.99)}}},
                 {"cpuSeconds", cpu}};
  out << result.dump(2) << "\n";
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"bench-load", "load client for the collector bench: one POST per sealed report (JSON)", kUsage,
                 bench_load});

}  // namespace tactful::cli
