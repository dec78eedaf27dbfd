#include "front_server.hpp"

#include "tactful/ascii.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <list>
#include <thread>
#include <utility>

namespace tactful {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHead = 8192;        // request line and headers of a batch post
constexpr size_t kMaxRequestHead = 65536;  // of any request (large cookies): 431 past it
constexpr size_t kMaxBatchBody = 65536;  // with a larger payload limit, larger posts go to httplib
constexpr int kMaxEvents = 64;
constexpr int kTickMs = 250;             // how often a worker looks for idle connections
constexpr int kAcceptsPerEvent = 4;      // leaves the rest of a burst to the other workers
// Threads for connections handed to httplib. As many as httplib had for all
// connections before: each holds one kept-alive connection at a time.
constexpr size_t kHandOffThreads = 32;
// The most bytes of answers' rests held for slow readers at once, across all
// connections (HandedStream::write). Within it a slow reader holds no thread:
// a dozen slow readers of an 8 MB file, say (the kernel takes a few MB of
// each at once), or dozens of visitors on slow links fetching a site's
// pages, scripts and images. Past it, answers are written
// on their thread as httplib writes them, waiting on the socket (under the
// write timeout), so many connections that each ask for a large file and
// read it a byte now and then hold at most this much (plus what httplib holds
// on its threads) rather than connections x file size: a few thousand
// connections asking for an 8 MB file would otherwise make the server hold
// gigabytes. 64 MiB is little for any host that runs the server.
constexpr size_t kUnsentBudget = size_t{64} << 20;

// Tags of the three descriptors in every worker's epoll set besides connections.
char kListenTag, kWakeTag, kReturnTag;

// The reason phrases httplib gives.
const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

bool numeric_address(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) {
    return false;
  }
  ip = host;
  port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port)
                                    : ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  return true;
}

// httplib's rule for a path under a mount point: its ".." never climbs
// above where it starts (a path that does is not looked up there).
bool stays_within(std::string_view path) {
  size_t level = 0;
  for (size_t at = 0; at < path.size();) {
    size_t end = std::min(path.find('/', at), path.size());
    std::string_view part = path.substr(at, end - at);
    if (part == "..") {
      if (level == 0) return false;
      --level;
    } else if (!part.empty() && part != ".") {
      ++level;
    }
    at = end + 1;
  }
  return true;
}

// The path with every symbolic link resolved, or "" when it does not exist.
std::string real_path(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  std::string out = real ? real : "";
  std::free(real);
  return out;
}

bool is_tchar(unsigned char c) { return c != 0 && (std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c)); }

// A header line of a request's head, split at its first colon (the value
// without the spaces and tabs around it). has_colon: false for a line with
// none, whose name is then the whole line.
struct HeaderLine {
  std::string_view name, value;
  bool has_colon = false;
};

// Reads the header line of `head` that starts at `at` (just after the
// request line's or the previous header's CRLF) and moves `at` past its
// CRLF. False at the blank line that ends the head, or where no CRLF ends
// the line.
bool next_header_line(std::string_view head, size_t& at, HeaderLine& line) {
  size_t eol = head.find("\r\n", at);
  if (eol == std::string_view::npos || eol == at) return false;
  std::string_view text = head.substr(at, eol - at);
  at = eol + 2;
  size_t colon = text.find(':');
  line.has_colon = colon != std::string_view::npos;
  line.name = text.substr(0, colon);
  line.value = line.has_colon ? text.substr(colon + 1) : std::string_view();
  while (!line.value.empty() && (line.value.front() == ' ' || line.value.front() == '\t')) line.value.remove_prefix(1);
  while (!line.value.empty() && (line.value.back() == ' ' || line.value.back() == '\t')) line.value.remove_suffix(1);
  return true;
}

struct Head {
  size_t size = 0;  // request line, headers and the blank line
  size_t body = 0;  // Content-Length
  FrontServer::PostHead judged;  // what the route's filter sees
  bool close = false;  // Connection: close (compared as httplib does)
};

// Keeps the first value of a header the filter judges; false for a second
// one, which httplib should see (its handler reads the first, as this does).
bool first_value(std::string_view& slot, bool& seen, std::string_view value) {
  if (seen) return false;
  seen = true;
  slot = value;
  return true;
}

enum class Parse { kNeedMore, kBatchPost, kOther };

// Is `in` (from a request's first byte) a batch post that the workers may
// answer? kOther as soon as anything differs from the plain case; then the
// request is httplib's to answer, exactly as without the workers.
Parse parse_head(std::string_view in, std::string_view request_line, size_t max_body, Head& h) {
  size_t n = std::min(in.size(), request_line.size());
  if (in.compare(0, n, request_line.substr(0, n)) != 0) return Parse::kOther;
  size_t end = in.size() < request_line.size() ? std::string_view::npos : in.find("\r\n\r\n", request_line.size() - 2);
  if (end == std::string_view::npos) return in.size() > kMaxHead ? Parse::kOther : Parse::kNeedMore;
  h = Head{};
  h.size = end + 4;
  if (h.size > kMaxHead) return Parse::kOther;
  bool has_length = false, has_connection = false;
  bool has_type = false, has_origin = false, has_host = false, has_site = false;
  HeaderLine line;
  for (size_t at = request_line.size(); next_header_line(in, at, line);) {
    std::string_view name = line.name, value = line.value;
    if (!line.has_colon || name.empty() ||
        !std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); })) {
      return Parse::kOther;
    }
    for (char ch : value) {
      unsigned char c = static_cast<unsigned char>(ch);
      if ((c < 0x20 && c != '\t') || c == 0x7f) return Parse::kOther;
    }
    if (ascii_iequals(name, "content-length")) {
      if (has_length || value.empty() || value.size() > 9 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Parse::kOther;
      }
      has_length = true;
      h.body = std::stoul(std::string(value));
    } else if (ascii_iequals(name, "transfer-encoding") || ascii_iequals(name, "expect")) {
      return Parse::kOther;
    } else if (ascii_iequals(name, "connection") && !has_connection) {
      has_connection = true;
      h.close = value == "close";
    } else if (ascii_iequals(name, "content-type")) {
      if (!first_value(h.judged.content_type, has_type, value)) return Parse::kOther;
    } else if (ascii_iequals(name, "origin")) {
      if (!first_value(h.judged.origin, has_origin, value)) return Parse::kOther;
    } else if (ascii_iequals(name, "host")) {
      if (!first_value(h.judged.host, has_host, value)) return Parse::kOther;
    } else if (ascii_iequals(name, "sec-fetch-site")) {
      if (!first_value(h.judged.fetch_site, has_site, value)) return Parse::kOther;
    }
  }
  if (!has_length || h.body > max_body) return Parse::kOther;  // httplib answers 413 (or reads no body)
  return in.size() >= h.size + h.body ? Parse::kBatchPost : Parse::kNeedMore;
}

// What a request's Content-Length makes of it before any of its body is
// read: 400 for one that is not a number of bytes (or two that differ), 413
// for one over the payload limit, 411 for a POST, PUT or PATCH without a
// length and for a chunked body, else 0 (httplib's to answer; `length` then
// holds the body's length). httplib would read and drop a body over the
// limit first, and read a body of no length until the client closed, each
// time waiting its read timeout for bytes a client that waits for the answer
// never sends (then 400); it reads "-1" or "abc" with strtoull, as a huge
// length or none. Chunks are refused because nothing says when they end: the
// workers could not wait for them whole (take), and httplib waits on each
// chunk as on a slow body. No route here takes one, and browsers send a
// body's length.
int refused_length(std::string_view head, size_t max_body, size_t* length_out = nullptr) {
  std::string_view length;
  bool seen = false;
  size_t request_line_end = head.find("\r\n");
  HeaderLine line;
  for (size_t at = request_line_end == std::string_view::npos ? head.size() : request_line_end + 2;
       next_header_line(head, at, line);) {
    if (!line.has_colon) continue;  // httplib judges the rest of the head
    std::string_view name = line.name, value = line.value;
    if (ascii_iequals(name, "transfer-encoding")) return 411;
    if (!ascii_iequals(name, "content-length")) continue;
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (seen && value != length)) {
      return 400;
    }
    seen = true;
    length = value;
  }
  if (!seen) {
    std::string_view method = head.substr(0, head.find(' '));
    return method == "POST" || method == "PUT" || method == "PATCH" ? 411 : 0;
  }
  while (length.size() > 1 && length.front() == '0') length.remove_prefix(1);
  if (length.size() > 18) return 413;
  size_t bytes = std::stoull(std::string(length));
  if (bytes > max_body) return 413;
  if (length_out) *length_out = bytes;
  return 0;
}

// Whether `in` (from a request's first byte) is ready for httplib: its head
// whole and, unless the head is refused at once, its body too. httplib reads
// a body with a timeout per read, so a client sending a byte now and then
// would hold one of its threads for as long as it liked, and a few dozen
// would leave every page of the site unanswered. Here it waits on the
// worker instead, under the read timeout from its first byte (tick).
// A head that does not end within kMaxRequestHead is never ready: the
// workers refuse it (head_too_large).
bool ready_for_httplib(std::string_view in, size_t max_body) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > kMaxRequestHead) return false;
  size_t length = 0;
  if (refused_length(in.substr(0, end + 4), max_body, &length) != 0) return true;
  return in.size() - (end + 4) >= length;
}

// An answer as httplib writes it: status line, headers (the server's
// response headers too), body.
std::string answer_bytes(httplib::Response& res, const httplib::Server::Handler& response_headers,
                         const httplib::Request& req) {
  if (!res.body.empty() && !res.has_header("Content-Type")) res.set_header("Content-Type", "text/plain");
  if (!res.has_header("Content-Length")) res.set_header("Content-Length", std::to_string(res.body.size()));
  if (response_headers) response_headers(req, res);
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + reason(res.status) + "\r\n";
  for (const auto& [name, value] : res.headers) out += name + ": " + value + "\r\n";
  return out + "\r\n" + res.body;
}

// A connection httplib serves after a worker let go of it: the bytes the
// worker had read come first, then the socket's, each wait bounded.
class HandedStream : public httplib::Stream {
 public:
  // `held`: the server's count of rests held (take_unsent()), kept within `budget`.
  HandedStream(int fd, std::string ip, int port, std::string buffered, int read_ms, int write_ms,
               std::atomic<size_t>& held, size_t budget)
      : fd_(fd),
        ip_(std::move(ip)),
        port_(port),
        buf_(std::move(buffered)),
        read_ms_(read_ms),
        write_ms_(write_ms),
        held_(held),
        budget_(budget) {}
  ~HandedStream() override { held_ -= unsent_.size(); }

  bool is_readable() const override { return off_ < buf_.size() || wait(POLLIN, read_ms_); }
  bool is_writable() const override { return true; }  // write() queues, or waits itself
  // The bytes read and not yet taken by httplib.
  std::string rest() const { return buf_.substr(off_); }
  // What write() queued because the socket would not take it at once: the
  // workers write it (FrontServer::hand_off), so that a client reading
  // slowly holds no thread. Taken with its count in `held`: whoever takes it
  // releases that once it is written or dropped.
  bool has_unsent() const { return !unsent_.empty(); }
  std::string take_unsent() { return std::exchange(unsent_, {}); }
  // Before each answer: it may be queued, budget permitting.
  void next_answer() { waiting_ = false; }

  // The next request's head, read ahead and left for httplib to read; empty
  // if it does not come whole within the read timeout or kMaxRequestHead.
  std::string_view head() {
    for (;;) {
      std::string_view rest(buf_.data() + off_, buf_.size() - off_);
      size_t end = rest.find("\r\n\r\n");
      if (end != std::string_view::npos) return rest.substr(0, end + 4);
      if (rest.size() > kMaxRequestHead || !wait(POLLIN, read_ms_)) return {};
      char chunk[4096];
      ssize_t r = recv(fd_, chunk, sizeof chunk, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) return {};
      buf_.erase(0, off_);
      off_ = 0;
      buf_.append(chunk, static_cast<size_t>(r));
    }
  }

  // After a last answer to a request whose body is not read: the client has
  // the answer before the connection goes. Closing with its body unread would
  // reset the connection, and a reset may discard the answer unread on its side.
  void linger() {
    ::shutdown(fd_, SHUT_WR);
    char sink[16384];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(read_ms_);
    while (std::chrono::steady_clock::now() < deadline && wait(POLLIN, read_ms_)) {
      ssize_t r = recv(fd_, sink, sizeof sink, 0);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }

  ssize_t read(char* ptr, size_t size) override {
    if (off_ == buf_.size()) {
      buf_.resize(4096);
      off_ = 0;
      ssize_t r = -1;
      while (wait(POLLIN, read_ms_)) {
        r = recv(fd_, buf_.data(), buf_.size(), 0);
        if (r >= 0 || (errno != EINTR && errno != EAGAIN)) break;
      }
      buf_.resize(r > 0 ? static_cast<size_t>(r) : 0);
      if (r <= 0) return r < 0 ? -1 : 0;
    }
    size_t n = std::min(size, buf_.size() - off_);
    std::memcpy(ptr, buf_.data() + off_, n);
    off_ += n;
    return static_cast<ssize_t>(n);
  }

  // Sends what the socket takes now and queues the rest (take_unsent()), unless
  // that would take the rests held over the budget: then this answer is
  // written waiting on the socket, what was queued of it first.
  ssize_t write(const char* ptr, size_t size) override {
    if (waiting_) return write_waiting({ptr, size}) ? static_cast<ssize_t>(size) : -1;
    size_t sent = 0;
    while (unsent_.empty() && sent < size) {
      ssize_t w = send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
      if (w > 0) {
        sent += static_cast<size_t>(w);
      } else if (w < 0 && errno == EAGAIN) {
        break;
      } else if (w == 0 || errno != EINTR) {
        return -1;
      }
    }
    if (sent == size) return static_cast<ssize_t>(size);
    if (hold(size - sent)) {
      unsent_.append(ptr + sent, size - sent);
      return static_cast<ssize_t>(size);
    }
    waiting_ = true;
    bool written = write_waiting(unsent_);
    held_ -= unsent_.size();
    std::string().swap(unsent_);  // its memory too
    return written && write_waiting({ptr + sent, size - sent}) ? static_cast<ssize_t>(size) : -1;
  }

  // Waits for the socket to take all of `data` (within the write timeout each time).
  bool write_waiting(std::string_view data) {
    while (!data.empty() && wait(POLLOUT, write_ms_)) {
      ssize_t w = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (w > 0) data.remove_prefix(static_cast<size_t>(w));
      else if (w == 0 || (errno != EINTR && errno != EAGAIN)) return false;
    }
    return data.empty();
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = ip_;
    port = port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) numeric_address(addr, len, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  // Counts `bytes` more in `held` if that keeps it within the budget.
  bool hold(size_t bytes) {
    size_t now = held_.load();
    do {
      if (now > budget_ || bytes > budget_ - now) return false;
    } while (!held_.compare_exchange_weak(now, now + bytes));
    return true;
  }

  bool wait(short events, int ms) const {
    pollfd p{fd_, events, 0};
    int r;
    do r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR));
  }

  int fd_;
  std::string ip_;
  int port_;
  std::string buf_;
  size_t off_ = 0;
  std::string unsent_;
  int read_ms_, write_ms_;
  std::atomic<size_t>& held_;
  size_t budget_;
  bool waiting_ = false;  // this answer is written waiting on the socket
};

}  // namespace

// A connection a worker owns.
struct FrontServer::Conn {
  int fd = -1;
  std::string ip;
  int port = 0;
  std::string in;         // bytes read and not yet answered
  size_t parsed = 0;      // bytes of `in` that this round's posts take
  std::string out;        // answers not yet written
  size_t sent = 0;        // bytes of `out` written
  size_t held = 0;        // bytes of `out` counted in the server's unsent_bytes_ (an answer's rest from httplib)
  size_t served = 0;      // requests taken on this connection
  Clock::time_point active;  // last progress either way
  Clock::time_point begun;   // when the first byte of the request now in `in` came
  uint32_t watching = 0;  // EPOLLIN, or EPOLLOUT while answers wait to be written
  bool touched = false;   // in this round's list
  bool again = false;     // parse again next round, without waiting for a read
  bool waited = false;    // requests were left unparsed while answers were being written
  bool peer_closed = false, broken = false;
  bool last = false;        // the last answer says Connection: close
  bool for_httplib = false;  // the next request in `in` is httplib's
  std::list<Conn>::iterator self;

  bool writing() const { return sent < out.size(); }
};

class FrontServer::Worker {
 public:
  explicit Worker(FrontServer& s) : s_(s) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    epoll_event wake{EPOLLIN, {&kWakeTag}};
    epoll_ctl(ep_, EPOLL_CTL_ADD, s_.wake_fd_, &wake);
    epoll_event returned{EPOLLIN, {&kReturnTag}};
    epoll_ctl(ep_, EPOLL_CTL_ADD, s_.return_fd_, &returned);
    watch_listener(true);
    request_.method = "POST";
    if (!s_.request_line_.empty()) request_.path = s_.request_line_.substr(5, s_.request_line_.size() - 5 - 11);
    keep_alive_ = "timeout=" + std::to_string(s_.keep_alive_timeout_sec_) +
                  ", max=" + std::to_string(s_.keep_alive_max_count_);
    body_limit_ = std::min(s_.payload_max_length_, kMaxBatchBody);
  }
  ~Worker() {
    while (!conns_.empty()) close(conns_.front());
    ::close(ep_);
  }

  void loop() {
    epoll_event events[kMaxEvents];
    last_tick_ = Clock::now();
    while (!s_.stopping_) {
      int n = epoll_wait(ep_, events, kMaxEvents, again_.empty() ? kTickMs : 0);
      if (n < 0 && errno != EINTR) break;
      now_ = Clock::now();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &kListenTag) {
          accept_some();
        } else if (tag == &kReturnTag) {
          take_returned();
        } else if (tag != &kWakeTag) {
          Conn& c = *static_cast<Conn*>(tag);
          if (events[i].events & EPOLLOUT) flush(c);
          take(c, (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0);
        }
      }
      for (Conn* c : std::exchange(again_, {})) {
        c->again = false;
        take(*c, false);
      }
      answer();
      for (Conn* c : std::exchange(touched_, {})) settle(*c);
      if (now_ - last_tick_ >= std::chrono::milliseconds(kTickMs)) tick();
    }
  }

 private:
  void watch_listener(bool on) {
    if (on) {
      // EPOLLEXCLUSIVE: a new connection wakes one waiting worker, not all.
      epoll_event ev{EPOLLIN | EPOLLEXCLUSIVE, {&kListenTag}};
      epoll_ctl(ep_, EPOLL_CTL_ADD, s_.listen_fd_, &ev);
    } else {
      epoll_ctl(ep_, EPOLL_CTL_DEL, s_.listen_fd_, nullptr);
    }
  }

  void accept_some() {
    for (int i = 0; i < kAcceptsPerEvent; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = accept4(s_.listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop taking connections for a tick rather than spin on the listener.
          watch_listener(false);
          accept_paused_ = true;
        }
        return;  // EAGAIN: another worker took it
      }
      int one = 1;  // small answers go out at once (no Nagle delay)
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn& c = conns_.emplace_front();
      c.self = conns_.begin();
      c.fd = fd;
      numeric_address(addr, len, c.ip, c.port);
      c.active = now_;
      c.watching = EPOLLIN;
      epoll_event ev{EPOLLIN, {&c}};
      epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  // Connections httplib answered and gave back (FrontServer::give_back):
  // owned again like new ones, their bytes read ahead parsed at once.
  void take_returned() {
    uint64_t count;
    if (::read(s_.return_fd_, &count, sizeof count) < 0) {
      // Another worker read it first: the list below is shared all the same.
    }
    std::vector<Returned> returned;
    {
      std::lock_guard<std::mutex> lock(s_.returned_mu_);
      returned.swap(s_.returned_);
    }
    for (Returned& r : returned) {
      Conn& c = conns_.emplace_front();
      c.self = conns_.begin();
      c.fd = r.fd;
      c.ip = std::move(r.ip);
      c.port = r.port;
      c.in = std::move(r.in);
      c.served = r.served;
      c.out = std::move(r.out);
      c.held = c.out.size();
      c.last = r.last;
      c.active = c.begun = now_;
      c.watching = c.writing() ? EPOLLOUT : EPOLLIN;  // an answer's rest first (settle)
      epoll_event ev{c.watching, {&c}};
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
      if (!c.in.empty() && !c.writing()) {
        c.again = true;
        again_.push_back(&c);
      }
    }
  }

  // Reads what has arrived (if `readable`) and takes every whole batch post
  // into this round's batch, until a request that is httplib's.
  void take(Conn& c, bool readable) {
    if (!c.touched) {
      c.touched = true;
      touched_.push_back(&c);
    }
    if (c.broken) return;
    if (c.writing()) {  // no more requests until the answers are out
      c.waited = true;
      return;
    }
    size_t cap = kMaxRequestHead + body_limit_;  // always room for one whole request
    if (readable && c.in.size() < cap && !c.peer_closed) {
      char buf[16384];
      ssize_t r = recv(c.fd, buf, std::min(sizeof buf, cap - c.in.size()), 0);
      if (r > 0) {
        if (c.in.empty()) c.begun = now_;
        c.in.append(buf, static_cast<size_t>(r));
        c.active = now_;
      } else if (r == 0) {
        c.peer_closed = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        c.broken = true;
        return;
      }
    }
    std::string_view in(c.in);
    while (!c.last && !c.for_httplib && c.parsed < in.size()) {
      Head h;
      Parse p = s_.request_line_.empty() ? Parse::kOther
                                         : parse_head(in.substr(c.parsed), s_.request_line_, body_limit_, h);
      if (p == Parse::kNeedMore) break;
      if (p == Parse::kBatchPost && s_.filter_ && !s_.filter_(h.judged)) p = Parse::kOther;
      if (p == Parse::kOther) {
        // httplib reads on a thread of its own, one of kHandOffThreads:
        // a request that trickles in waits here instead, under the read
        // timeout (tick), so a few dozen slow clients cannot hold every thread.
        std::string_view rest = in.substr(c.parsed);
        if (head_too_large(rest)) {
          refuse_head(c);
        } else {
          c.for_httplib = c.peer_closed || ready_for_httplib(rest, body_limit_);
        }
        break;
      }
      // httplib's rule: the keep_alive_max_count-th request on a connection is its last.
      c.last = h.close || ++c.served >= s_.keep_alive_max_count_;
      batch_.push_back({in.substr(c.parsed + h.size, h.body), h.judged.origin, c.ip, {}});
      owners_.push_back(&c);
      closes_.push_back(c.last);
      c.parsed += h.size + h.body;
    }
  }

  // A head over kMaxRequestHead, whole or not.
  static bool head_too_large(std::string_view in) {
    size_t end = in.find("\r\n\r\n");
    return (end == std::string_view::npos ? in.size() : end + 4) > kMaxRequestHead;
  }

  // 431, and the connection closes once it is written: the rest of such a
  // head is never read (httplib would read on, a line at a time, for as
  // long as the client kept sending).
  void refuse_head(Conn& c) {
    httplib::Response res;
    res.status = 431;
    res.set_content("the request's head is larger than this server takes (" + std::to_string(kMaxRequestHead) +
                        " bytes)",
                    "text/plain");
    res.set_header("Connection", "close");
    c.out += answer_bytes(res, s_.response_headers_, request_);
    c.last = true;
    c.parsed = c.in.size();
  }

  // Runs the handler on the round's batch and queues every answer, in order.
  void answer() {
    if (batch_.empty()) return;
    try {
      s_.batch_(batch_);
    } catch (...) {
      // As httplib answers a handler that throws: 500 (for the posts not answered yet).
    }
    // A post that shares an earlier post's answer but not whether its
    // connection closes gets its own copy of that answer's response (before
    // any of them gets its connection header).
    for (size_t i = 0; i < batch_.size(); ++i) {
      size_t& j = batch_[i].same_as;
      if (j == kOwnAnswer) continue;
      if (j >= i) {  // not an earlier post: answered from its own response
        j = kOwnAnswer;
        continue;
      }
      if (batch_[j].same_as != kOwnAnswer) j = batch_[j].same_as;  // already resolved to one answered itself
      if (closes_[j] != closes_[i]) {
        batch_[i].res = batch_[j].res;
        j = kOwnAnswer;
      }
    }
    answers_.resize(batch_.size());
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (batch_[i].same_as != kOwnAnswer) {
        owners_[i]->out += answers_[batch_[i].same_as];
        continue;
      }
      httplib::Response& res = batch_[i].res;
      if (res.status < 100) res.status = 500;  // the handler gave no answer
      if (closes_[i]) {
        res.set_header("Connection", "close");
      } else {
        res.set_header("Keep-Alive", keep_alive_);
      }
      answers_[i] = answer_bytes(res, s_.response_headers_, request_);
      owners_[i]->out += answers_[i];
    }
    batch_.clear();
    answers_.clear();
    owners_.clear();
    closes_.clear();
  }

  // After the round: writes the answers, then keeps, closes or hands over the connection.
  void settle(Conn& c) {
    c.touched = false;
    if (c.parsed > 0 && c.parsed < c.in.size()) c.begun = now_;  // the next request's time starts
    c.in.erase(0, c.parsed);
    c.parsed = 0;
    flush(c);
    if (c.broken) return close(c);
    if (c.writing()) return watch(c, EPOLLOUT);
    if (c.last) return close(c);
    if (c.for_httplib) return hand_off(c);
    if (c.peer_closed) return close(c);
    watch(c, EPOLLIN);
    // Requests read while earlier answers were being written wait in `in`:
    // take them next round, since no new bytes may come to announce them.
    if (std::exchange(c.waited, false) && !c.in.empty() && !c.again) {
      c.again = true;
      again_.push_back(&c);
    }
  }

  void flush(Conn& c) {
    while (c.writing()) {
      ssize_t w = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (w > 0) {
        c.sent += static_cast<size_t>(w);
        c.active = now_;
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else {
        if (w == 0 || errno != EAGAIN) c.broken = true;
        return;
      }
    }
    c.out.clear();
    c.sent = 0;
    release(c);
  }

  // An answer's rest from httplib written out or dropped: no longer held.
  void release(Conn& c) {
    if (c.held == 0) return;
    s_.unsent_bytes_ -= std::exchange(c.held, 0);
    std::string().swap(c.out);  // its memory too (clear() keeps it)
  }

  void watch(Conn& c, uint32_t events) {
    if (c.watching == events) return;
    c.watching = events;
    epoll_event ev{events, {&c}};
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void hand_off(Conn& c) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    s_.hand_off(c.fd, std::move(c.ip), c.port, std::move(c.in), c.served);
    forget(c);
  }

  void close(Conn& c) {
    // Left explicitly: close() drops the registration only once nothing
    // else refers to the socket, and a connection httplib gave back had
    // been in another thread's hands (seen as a later event for a freed Conn).
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    forget(c);
  }

  void forget(Conn& c) {
    release(c);
    if (c.again) again_.erase(std::find(again_.begin(), again_.end(), &c));
    conns_.erase(c.self);
  }

  // Closes connections idle for too long: between requests after httplib's
  // keep-alive timeout, an answer that cannot be written after its write
  // timeout. A request must come whole within the read timeout of its first
  // byte, however slowly it trickles in (httplib times each read instead).
  void tick() {
    last_tick_ = now_;
    if (accept_paused_) {
      accept_paused_ = false;
      watch_listener(true);
    }
    auto keep_alive = std::chrono::seconds(s_.keep_alive_timeout_sec_);
    auto reading = std::chrono::seconds(s_.read_timeout_sec_) + std::chrono::microseconds(s_.read_timeout_usec_);
    auto writing = std::chrono::seconds(s_.write_timeout_sec_) + std::chrono::microseconds(s_.write_timeout_usec_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      Conn& c = *it++;
      if (c.writing() ? now_ - c.active > writing
                      : c.in.empty() ? now_ - c.active > keep_alive : now_ - c.begun > reading) {
        close(c);
      }
    }
  }

  FrontServer& s_;
  int ep_ = -1;
  std::list<Conn> conns_;
  std::vector<Conn*> touched_, again_;
  std::vector<Posted> batch_;
  std::vector<Conn*> owners_;  // the connection of each post in batch_
  std::vector<std::string> answers_;  // the bytes of each post's answer that was built (same_as)
  std::vector<bool> closes_;   // whether each post's answer closes its connection
  httplib::Request request_;   // what the response-headers handler sees of a batch post
  std::string keep_alive_;     // the Keep-Alive header httplib sends
  size_t body_limit_ = 0;
  Clock::time_point now_, last_tick_;
  bool accept_paused_ = false;
};

// Bodies over kMaxBatchBody are refused (413) unless a route needs more: the
// workers wait for a body whole only up to it (ready_for_httplib), and httplib
// would read a larger one slowly, a byte at a time if a client liked.
// A path with a NUL byte (%00) is refused (400): httplib's file handler would
// open the file named by what comes before it and type the answer by what
// comes after, so any file served could be had as a script or as HTML.
// A file reached through a link out of its mount's directory is answered
// 404, as a missing one is (set_mount_point).
FrontServer::FrontServer() : unsent_budget_(kUnsentBudget) {
  set_payload_max_length(kMaxBatchBody);
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find('\0') != std::string::npos) {
      res.status = 400;
      res.set_content("a path may not hold a NUL byte (%00)", "text/plain");
      return HandlerResponse::Handled;
    }
    if ((req.method == "GET" || req.method == "HEAD") && serves_from_outside(req.path)) {
      res.status = 404;
      return HandlerResponse::Handled;
    }
    return HandlerResponse::Unhandled;
  });
}

bool FrontServer::set_mount_point(const std::string& mount_point, const std::string& dir, httplib::Headers headers) {
  if (!httplib::Server::set_mount_point(mount_point, dir, std::move(headers))) return false;
  std::string real_dir = real_path(dir);
  if (real_dir.empty()) return false;  // httplib's check passed, so it went meanwhile
  if (real_dir.back() != '/') real_dir += '/';
  mounts_.push_back({mount_point.empty() ? "/" : mount_point, dir, std::move(real_dir)});
  return true;
}

bool FrontServer::serves_from_outside(const std::string& path) const {
  for (const Mount& m : mounts_) {
    // httplib's file lookup, step by step: the first mount whose prefix
    // matches, whose path stays within it and where a regular file is found
    // serves it.
    if (path.compare(0, m.prefix.size(), m.prefix) != 0) continue;
    std::string sub_path = "/" + path.substr(m.prefix.size());
    if (!stays_within(sub_path)) continue;
    std::string file = m.dir + sub_path;
    if (file.back() == '/') file += "index.html";
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    return real_path(file).compare(0, m.real_dir.size(), m.real_dir) != 0;
  }
  return false;
}

FrontServer::~FrontServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (return_fd_ >= 0) ::close(return_fd_);
}

FrontServer& FrontServer::batch_post(const std::string& path, BatchHandler handler, Filter filter) {
  request_line_ = "POST " + path + " HTTP/1.1\r\n";
  batch_ = std::move(handler);
  filter_ = std::move(filter);
  return *this;
}

FrontServer& FrontServer::set_response_headers(Handler handler) {
  response_headers_ = handler;
  set_post_routing_handler(std::move(handler));
  return *this;
}

FrontServer& FrontServer::set_workers(size_t workers) {
  workers_ = workers;
  return *this;
}

int FrontServer::open(const std::string& host, int port) {
  if (listen_fd_ >= 0) return -1;
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    open_error_ = EADDRNOTAVAIL;  // no such local address
    return -1;
  }
  for (addrinfo* a = found; a && listen_fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: a restart may bind while old connections linger in
    // TIME_WAIT, but a second server on a port that is listening fails
    // (EADDRINUSE). SO_REUSEPORT, which httplib also sets, would let it bind
    // and the kernel would split the requests between two collectors. The
    // workers need no more than this one socket: they share it.
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // A deep accept queue (httplib's is 5): a burst of new connections (many
    // browsers at once) would otherwise overflow it, and the kernel drops
    // handshakes that clients retry only a second or more later. The kernel
    // caps it at net.core.somaxconn.
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
    } else {
      open_error_ = errno;
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) return -1;
  open_error_ = 0;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  std::string ip;
  int bound = -1;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      !numeric_address(addr, len, ip, bound)) {
    bound = -1;
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return bound;
}

bool FrontServer::run() {
  if (listen_fd_ < 0 || wake_fd_ < 0 || return_fd_ < 0) return false;
  pool_ = std::make_unique<httplib::ThreadPool>(kHandOffThreads);
  size_t n = workers_ ? workers_ : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([this] {
      Worker w(*this);
      w.loop();
    });
  }
  for (auto& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lock(handed_mu_);
    for (int fd : handed_) ::shutdown(fd, SHUT_RDWR);  // ends their waits at once
  }
  pool_->shutdown();
  pool_.reset();
  for (const Returned& r : std::exchange(returned_, {})) {  // given back as the workers ended
    unsent_bytes_ -= r.out.size();
    ::close(r.fd);
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  return true;
}

void FrontServer::shut_down() {
  stopping_ = true;
  uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
    // Already signalled (the counter is full): the workers wake regardless.
  }
}

void FrontServer::hand_off(int fd, std::string ip, int port, std::string buffered, size_t served) {
  {
    std::lock_guard<std::mutex> lock(handed_mu_);
    handed_.insert(fd);
  }
  pool_->enqueue([this, fd, ip = std::move(ip), port, buffered = std::move(buffered), served]() mutable {
    auto ms = [](time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); };
    HandedStream stream(fd, ip, port, std::move(buffered), ms(read_timeout_sec_, read_timeout_usec_),
                        ms(write_timeout_sec_, write_timeout_usec_), unsent_bytes_, unsent_budget_);
    // httplib's keep-alive loop, counting the requests the workers took. The
    // first request is one the workers judged ready; a later one is answered
    // here only if it came whole with it. Otherwise the connection goes back
    // to the workers, which wait for it (and for an idle one's next request)
    // without holding this thread: a kept-alive connection that sends its
    // next request a byte at a time would hold it as long as it liked.
    size_t left = keep_alive_max_count_ > served ? keep_alive_max_count_ - served : 1;
    bool back = false, last = false;
    for (size_t answered = 0; left > 0 && !stopping_; ++answered) {
      if (answered > 0 && !ready_for_httplib(stream.rest(), std::min(payload_max_length_, kMaxBatchBody))) {
        back = true;
        break;
      }
      if (int status = refused_length(stream.head(), payload_max_length_)) {
        httplib::Response res;
        res.status = status;
        res.set_content(status == 413   ? "the body is larger than this server takes (" +
                                              std::to_string(payload_max_length_) + " bytes)"
                        : status == 411 ? std::string("a body is sent with its Content-Length (not chunked)")
                                        : std::string("Content-Length must be a number of bytes"),
                        "text/plain");
        res.set_header("Connection", "close");  // its body is never read: nothing after it can be
        if (stream.write_waiting(answer_bytes(res, response_headers_, httplib::Request()))) stream.linger();
        break;
      }
      bool closed = false;
      stream.next_answer();
      bool ok = process_request(stream, left == 1, closed, nullptr);
      if (ok) --left;
      // An answer the socket did not take whole (a large file, a slow
      // reader): the workers write the rest, then close the connection or
      // take its next request. This thread is free for another.
      if (stream.has_unsent()) {
        back = true;
        last = !ok || closed || left == 0;
        break;
      }
      if (!ok || closed) break;
    }
    {
      std::lock_guard<std::mutex> lock(handed_mu_);
      handed_.erase(fd);
    }
    if (back) {
      std::lock_guard<std::mutex> lock(returned_mu_);
      returned_.push_back(
          {fd, std::move(ip), port, stream.rest(), keep_alive_max_count_ - left, stream.take_unsent(), last});
    } else {
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
      return;
    }
    uint64_t one = 1;
    if (::write(return_fd_, &one, sizeof one) < 0) {
      // The counter is full: the workers have yet to read it, and will take this one too.
    }
  });
}

}  // namespace tactful
