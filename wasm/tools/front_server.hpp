// The HTTP/1.1 server of `tactful serve` (Linux). httplib alone gives every
// connection a thread: at tens of thousands of small POSTs a second, the
// thread wake-ups and hand-offs cost the collector about as much CPU as the
// reports' crypto. Here a few epoll workers (one per core by default) own the
// connections instead. They read the requests for one "batch route" (POST
// /collect) themselves, give all that one round of reading found to the
// route's handler at once (the collector commits them together), and answer
// every one of them after the handler returns.
//
// Any other request (another route, a preflight, a post the route's filter
// does not pass, anything unusual or too large, anything malformed) makes
// the worker pass its whole connection, with the bytes it has already read,
// to httplib's own request handling on a thread of a pool, once the request
// has come whole (a slow client holds no thread); the connection comes back
// to the workers after the answer, with whatever of it the socket did not
// take at once, which they write (a slow reader of a large file holds no
// thread either). Such rests are held in memory, so they are bounded across
// all connections (kUnsentBudget in front_server.cpp, 64 MiB): an answer
// whose rest would take them over it is written as httplib writes, waiting
// on the socket on its thread. So every other answer, error answers
// included, is httplib's, from the routes and settings registered on this
// server as usual. Use open() and run() instead of httplib's bind/listen.
#pragma once
#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tactful {

class FrontServer : public httplib::Server {
 public:
  // One POST to the batch route, read whole: HTTP/1.1, a Content-Length body
  // within the payload limit, no Expect or Transfer-Encoding. The views stay
  // valid until the handler returns.
  struct Posted {
    std::string_view body;
    std::string_view origin;     // the first Origin header, or empty
    std::string_view client_ip;  // numeric, as httplib's remote_addr
    httplib::Response res;       // the handler sets status and headers (no body)
    // Or, instead of setting `res`, the handler names an earlier post of the
    // batch whose answer this one gets too (the same status, headers and
    // body): the workers build those bytes once.
    size_t same_as = kOwnAnswer;
  };
  static constexpr size_t kOwnAnswer = static_cast<size_t>(-1);
  using BatchHandler = std::function<void(std::vector<Posted>& batch)>;
  // A batch post's headers that a filter may judge: the first of each, or
  // empty (a request with two of one goes to httplib unjudged).
  struct PostHead {
    std::string_view content_type, origin, host, fetch_site;  // Sec-Fetch-Site
  };
  // Whether the workers may answer a post themselves. If not, httplib's route
  // for it answers (a refusal, say) and serves the rest of its connection.
  using Filter = std::function<bool(const PostHead&)>;

  FrontServer();
  ~FrontServer() override;

  // The route the workers answer themselves. The handler runs on a worker,
  // possibly on several at once; each answer goes out after it returns.
  // Without a filter the workers take every plain post.
  FrontServer& batch_post(const std::string& path, BatchHandler handler, Filter filter = nullptr);
  // httplib's post-routing handler, applied to the batch route's answers too
  // (given a Request that carries only method and path).
  FrontServer& set_response_headers(Handler handler);
  FrontServer& set_workers(size_t workers);  // 0: one per hardware thread
  // httplib's, remembering the directory's real path too: a file is served
  // from it only if the file's own real path (links resolved) is inside it.
  // Any other is answered 404, as a missing file is: a link in a site's
  // folder to /etc/passwd or to the collector's key must not publish it.
  bool set_mount_point(const std::string& mount_point, const std::string& dir, httplib::Headers headers = {});

  // Binds and listens (with a deep accept queue); port 0 picks a free port.
  // Returns the port, or -1 with open_error() set (EADDRINUSE: another
  // server listens there). Connections queue from here on, before run().
  int open(const std::string& host, int port);
  int open_error() const { return open_error_; }  // an errno value
  // Serves until shut_down(); false if not open.
  bool run();
  // From any thread: workers finish their round, connections close, run() returns.
  void shut_down();
  int listening_fd() const { return listen_fd_; }
  // Bytes of answers' rests held for slow readers now, at most the budget.
  size_t unsent_bytes() const { return unsent_bytes_; }
  // For tests: a budget other than kUnsentBudget (set before run()).
  void set_unsent_budget(size_t bytes) { unsent_budget_ = bytes; }

 private:
  struct Conn;
  class Worker;
  struct Mount {
    std::string prefix, dir;
    std::string real_dir;  // dir with its links resolved, ending in "/"
  };
  // Whether httplib would answer `path` with a file that lies outside the
  // real directory of the mount it serves it from.
  bool serves_from_outside(const std::string& path) const;
  // Runs httplib's request handling on a pool thread for a connection the
  // workers let go, starting with the bytes they had read from it.
  void hand_off(int fd, std::string ip, int port, std::string buffered, size_t served);

  // A connection httplib answered, given back to the workers with the bytes
  // it had read ahead, the requests taken on it so far, and the rest of an
  // answer the socket did not take at once (`last`: close once it is out),
  // counted in unsent_bytes_ until the workers write it out or drop it.
  struct Returned {
    int fd;
    std::string ip;
    int port;
    std::string in;
    size_t served;
    std::string out;
    bool last;
  };

  std::string request_line_;  // "POST <path> HTTP/1.1\r\n"
  std::vector<Mount> mounts_;  // in httplib's order: the first that has the file serves it
  BatchHandler batch_;
  Filter filter_;
  Handler response_headers_;
  size_t workers_ = 0;
  int listen_fd_ = -1;
  int open_error_ = 0;
  int wake_fd_ = -1;  // an eventfd: written once by shut_down()
  int return_fd_ = -1;  // an eventfd: written when returned_ gets a connection
  std::mutex returned_mu_;
  std::vector<Returned> returned_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> unsent_bytes_{0};  // the rests held: in HandedStreams, returned_ and Conns
  size_t unsent_budget_;
  std::unique_ptr<httplib::ThreadPool> pool_;
  std::mutex handed_mu_;
  std::set<int> handed_;  // sockets httplib is serving; shut_down() ends them
};

}  // namespace tactful
