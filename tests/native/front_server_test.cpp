// FrontServer (wasm/tools/front_server.hpp): the epoll workers that answer
// the batch route themselves and pass every other connection to httplib.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "front_server.hpp"

using tactful::FrontServer;
using Clock = std::chrono::steady_clock;

namespace {

// The route's answer, the same whichever side serves it: 400 for "bad", else 204.
int answer_post(const std::string& body, const std::string& origin, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (origin == "https://shop.example") res.set_header("Access-Control-Allow-Origin", origin);
  return res.status = body == "bad" ? 400 : 204;
}

// A FrontServer on a free loopback port, serving from its own thread. The
// batch route is POST /collect; GET /ping is httplib's; POST /collect is
// httplib's too, for connections the workers hand over.
struct Front {
  FrontServer server;
  std::thread thread;
  int port = -1;
  std::mutex mu;
  std::vector<size_t> batches;            // size of every batch the handler got
  std::map<std::string, int> bodies;      // every body the workers accepted, and how often
  std::map<std::string, int> slow_bodies; // the same for httplib's route

  explicit Front(const std::function<void(FrontServer&)>& configure = nullptr, FrontServer::Filter filter = nullptr) {
    server.set_keep_alive_timeout(1);
    server.set_keep_alive_max_count(100);
    server.set_payload_max_length(4096);
    server.set_response_headers([](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
    });
    server.Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.set_content("pong", "text/plain"); });
    server.Post("/collect", [this](const httplib::Request& req, httplib::Response& res) {
      if (answer_post(req.body, req.get_header_value("Origin"), res) == 204) {
        std::lock_guard<std::mutex> lock(mu);
        ++slow_bodies[req.body];
      }
    });
    server.batch_post("/collect", [this](std::vector<FrontServer::Posted>& batch) {
      std::lock_guard<std::mutex> lock(mu);
      batches.push_back(batch.size());
      for (auto& p : batch) {
        if (answer_post(std::string(p.body), std::string(p.origin), p.res) == 204) ++bodies[std::string(p.body)];
      }
    }, std::move(filter));
    if (configure) configure(server);
    port = server.open("127.0.0.1", 0);
    REQUIRE(port > 0);
    thread = std::thread([this] { server.run(); });
  }
  ~Front() {
    server.shut_down();
    thread.join();
  }
  size_t handled() {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (size_t b : batches) n += b;
    return n;
  }
};

// receive_buffer > 0: a small receive window, so that answers the client
// does not read back up on the server.
int connect_to(int port, int receive_buffer = 0) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  if (receive_buffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t at = 0;
  while (at < data.size()) {
    ssize_t w = send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    REQUIRE(w > 0);
    at += static_cast<size_t>(w);
  }
}

std::string post(const std::string& body, const std::string& extra_headers = "") {
  return "POST /collect HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Reads from `fd` until `n` whole answers (head + Content-Length body) have
// come, the peer closes, or `timeout_ms` passes. `closed` says whether it closed.
std::vector<std::string> read_answers(int fd, size_t n, bool* closed = nullptr, int timeout_ms = 5000) {
  std::vector<std::string> answers;
  std::string buf;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (closed) *closed = false;
  while (answers.size() < n || closed) {
    size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length = 0;
      size_t at = buf.find("Content-Length: ");
      if (at != std::string::npos && at < end) length = std::stoul(buf.substr(at + 16));
      if (buf.size() >= end + 4 + length) {
        answers.push_back(buf.substr(0, end + 4 + length));
        buf.erase(0, end + 4 + length);
        continue;
      }
    }
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) <= 0) break;
    char chunk[4096];
    ssize_t r = recv(fd, chunk, sizeof chunk, 0);
    if (r <= 0) {
      if (closed) *closed = true;
      break;
    }
    buf.append(chunk, static_cast<size_t>(r));
  }
  return answers;
}

int status_of(const std::string& answer) { return answer.size() > 12 ? std::stoi(answer.substr(9, 3)) : 0; }

bool has_line(const std::string& answer, const std::string& line) {
  return answer.find("\r\n" + line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("front: several posts on one kept-alive connection, each answered after its batch") {
  Front f;
  int fd = connect_to(f.port);
  for (int i = 0; i < 5; ++i) {
    send_all(fd, post("report-" + std::to_string(i)));
    auto answers = read_answers(fd, 1);
    REQUIRE(answers.size() == 1);
    CHECK(status_of(answers[0]) == 204);
    CHECK(has_line(answers[0], "Keep-Alive: timeout=1, max=100"));
    CHECK(has_line(answers[0], "X-Content-Type-Options: nosniff"));  // the response-headers handler
    CHECK(has_line(answers[0], "Cache-Control: no-store"));          // the route's own
  }
  close(fd);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == 5);
  CHECK(f.slow_bodies.empty());  // none went through httplib
}

TEST_CASE("front: pipelined posts are answered in order, many in one batch") {
  Front f;
  int fd = connect_to(f.port);
  std::string all;
  for (int i = 0; i < 10; ++i) all += post(i % 3 == 1 ? "bad" : "p" + std::to_string(i));
  send_all(fd, all);
  auto answers = read_answers(fd, 10);
  REQUIRE(answers.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(status_of(answers[i]) == (i % 3 == 1 ? 400 : 204));
  close(fd);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == 7);
  CHECK(*std::max_element(f.batches.begin(), f.batches.end()) > 1);  // one handler call (one commit) for several
}

TEST_CASE("front: a request split over many small writes is answered once whole") {
  Front f;
  int fd = connect_to(f.port);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string request = post("split-report", "Origin: https://shop.example\r\n");
  for (char c : request) {
    send_all(fd, std::string(1, c));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  auto answers = read_answers(fd, 1);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 204);
  CHECK(has_line(answers[0], "Access-Control-Allow-Origin: https://shop.example"));
  close(fd);
  CHECK(f.handled() == 1);
}

TEST_CASE("front: the workers' answers are byte for byte httplib's") {
  Front f;
  auto via = [&](bool httplib_first, const std::string& request) {
    int fd = connect_to(f.port);
    // A GET first, in the same write: httplib answers it and then the post,
    // which came whole with it.
    send_all(fd, httplib_first ? "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n" + request : request);
    auto answers = read_answers(fd, httplib_first ? 2 : 1);
    close(fd);
    REQUIRE(answers.size() == (httplib_first ? 2 : 1));
    if (httplib_first) CHECK(answers[0].find("pong") != std::string::npos);
    return answers.back();
  };
  for (const std::string& request :
       {post("fine-1"), post("bad"), post("fine-2", "Origin: https://shop.example\r\n"),
        post("fine-3", "Origin: https://elsewhere.example\r\n"), post("fine-4", "Connection: close\r\n")}) {
    CAPTURE(request);
    CHECK(via(false, request) == via(true, request));
  }
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == 4);
  CHECK(f.slow_bodies.size() == 4);
}

TEST_CASE("front: a post the route's filter does not pass goes to httplib's route, as do two of a judged header") {
  std::vector<std::string> judged;
  Front f(nullptr, [&judged](const FrontServer::PostHead& h) {
    judged.push_back(std::string(h.content_type) + "|" + std::string(h.origin) + "|" + std::string(h.host) + "|" +
                     std::string(h.fetch_site));
    return h.origin != "https://evil.example";
  });
  int fd = connect_to(f.port);
  send_all(fd, post("plain", "Origin: https://shop.example\r\nSec-Fetch-Site: cross-site\r\n"));
  REQUIRE(read_answers(fd, 1).size() == 1);
  send_all(fd, post("refused", "Origin: https://evil.example\r\n"));
  REQUIRE(read_answers(fd, 1).size() == 1);
  close(fd);
  fd = connect_to(f.port);
  send_all(fd, post("two-origins", "Origin: https://shop.example\r\nOrigin: https://evil.example\r\n"));
  REQUIRE(read_answers(fd, 1).size() == 1);
  close(fd);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.count("plain") == 1);
  CHECK(f.slow_bodies.count("refused") == 1);      // httplib's route had it
  CHECK(f.slow_bodies.count("two-origins") == 1);  // not judged by the workers at all
  REQUIRE(judged.size() == 2);
  CHECK(judged[0] == "application/octet-stream|https://shop.example|test|cross-site");
}

TEST_CASE("front: other requests on a connection go to httplib with the bytes already read") {
  Front f;
  int fd = connect_to(f.port);
  // A post, a GET and another post in one write: the GET hands the connection over mid-buffer.
  send_all(fd, post("first") + "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n" + post("second"));
  auto answers = read_answers(fd, 3);
  REQUIRE(answers.size() == 3);
  CHECK(status_of(answers[0]) == 204);
  CHECK(status_of(answers[1]) == 200);
  CHECK(answers[1].find("pong") != std::string::npos);
  CHECK(status_of(answers[2]) == 204);
  // Malformed: httplib's 400.
  send_all(fd, "POST /collect HTTP/9.9\r\nContent-Length: 0\r\n\r\n");
  auto bad = read_answers(fd, 1);
  REQUIRE(bad.size() == 1);
  CHECK(status_of(bad[0]) == 400);
  close(fd);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.count("first") == 1);
  CHECK(f.slow_bodies.count("second") == 1);
}

// 40 clients (more than the 32 threads httplib has) that each send `first`
// whole (answered), then `slow` and no more; then a full request from
// another client must still be answered. A long read timeout: were each slow
// client on one of httplib's threads, that request would wait for it. Then
// slow client `which` sends `rest` and gets `answers` answers, the last returned.
std::string served_beside_slow_clients(const std::string& first, const std::string& slow, size_t which,
                                       const std::string& rest, size_t answers = 1) {
  Front f([](FrontServer& s) { s.set_read_timeout(60, 0); });
  std::vector<int> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(connect_to(f.port));
    if (!first.empty()) {
      send_all(clients.back(), first);
      REQUIRE(read_answers(clients.back(), 1).size() == 1);
    }
    send_all(clients.back(), slow);
  }
  int fd = connect_to(f.port);
  send_all(fd, "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n");
  auto pong = read_answers(fd, 1, nullptr, 10000);
  close(fd);
  REQUIRE(pong.size() == 1);
  CHECK(status_of(pong[0]) == 200);
  // A slow request that does come whole is answered too, on its connection.
  send_all(clients[which], rest);
  auto late = read_answers(clients[which], answers, nullptr, 10000);
  for (int c : clients) close(c);
  REQUIRE(late.size() == answers);
  return late.back();
}

TEST_CASE("front: clients that send half a head hold no thread: others are still served") {
  CHECK(served_beside_slow_clients("", "GET /ping HTTP/1.1\r\nHost: test\r\n", 0, "\r\n").find("pong") !=
        std::string::npos);
}

// Also a head over 8 KB (large cookies), which the workers do not parse.
TEST_CASE("front: clients that send half of a large head hold no thread, and a head over 64 KB gets 431") {
  std::string lines;
  for (int i = 0; i < 90; ++i) lines += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'a') + "\r\n";
  CHECK(served_beside_slow_clients("", "GET /ping HTTP/1.1\r\nHost: test\r\n" + lines, 0, "\r\n").find("pong") !=
        std::string::npos);
  Front f([](FrontServer& s) { s.set_read_timeout(30, 0); });
  int fd = connect_to(f.port);
  // One byte over, so that the server has read all of it when it answers
  // (closing with bytes unread would reset the connection).
  std::string huge = "GET /ping HTTP/1.1\r\nHost: test\r\nX-Filler: ";
  huge += std::string(65537 - huge.size(), 'a');
  send_all(fd, huge);
  bool closed = false;
  auto answers = read_answers(fd, 1, &closed, 5000);
  close(fd);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 431);
  CHECK(closed);
}

// The same for a whole head whose body never comes whole (each byte in
// time for the next read): httplib reads a body with a timeout per read,
// so 32 such clients would hold every thread, and every page of the site
// would go unanswered for as long as they kept sending.
TEST_CASE("front: clients that send half a body hold no thread: others are still served") {
  std::string late = served_beside_slow_clients(
      "", "POST /ping HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhalf", 0, "-whole");
  CHECK(status_of(late) == 404);  // /ping takes no POST: httplib's own answer
}

// The same after httplib has answered a connection's first request: its next
// request, kept alive and sent slowly, waits on the workers again.
TEST_CASE("front: kept-alive connections whose next request trickles in hold no thread") {
  const std::string ping = "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";
  CHECK(served_beside_slow_clients(ping, "GET /ping HTTP/1.1\r\nHost: te", 0, "st\r\n\r\n" + ping, 2)
            .find("pong") != std::string::npos);
  std::string late = served_beside_slow_clients(
      ping, "POST /ping HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhalf", 0, "-whole");
  CHECK(status_of(late) == 404);
}

// Chunks have no length to wait for: the workers cannot hold them, and
// httplib would wait on each chunk as on a slow body.
TEST_CASE("front: a request with a chunked body gets 411 at once") {
  Front f([](FrontServer& s) { s.set_read_timeout(30, 0); });
  int fd = connect_to(f.port);
  send_all(fd, "POST /collect HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhal");
  bool closed = false;
  auto answers = read_answers(fd, 1, &closed, 5000);
  close(fd);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 411);
  CHECK(closed);
  CHECK(f.handled() == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.slow_bodies.empty());
}

TEST_CASE("front: a body over the payload limit gets 413 and never reaches the handler") {
  Front f;
  int fd = connect_to(f.port);
  send_all(fd, post(std::string(5000, 'x')));
  auto answers = read_answers(fd, 1);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 413);
  close(fd);
  CHECK(f.handled() == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.slow_bodies.empty());
}

// A read timeout far longer than the answers' wait: a server that waits for
// the body (or reads it) before it refuses gives no answer in time.
TEST_CASE("front: a Content-Length over the limit gets 413 at once, its body never awaited or handled") {
  Front f([](FrontServer& s) { s.set_read_timeout(30, 0); });
  for (const char* extra : {"", "Connection: close\r\n", "Content-Length: 100000\r\n"}) {
    CAPTURE(extra);
    int fd = connect_to(f.port);
    send_all(fd, "POST /collect HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n" +
                     std::string(extra) + "Content-Length: 100000\r\n\r\nthe first bytes of a large body");
    bool closed = false;
    auto answers = read_answers(fd, 1, &closed, 5000);
    close(fd);
    REQUIRE(answers.size() == 1);
    CHECK(status_of(answers[0]) == 413);
    CHECK(has_line(answers[0], "Connection: close"));
    CHECK(answers[0].find("larger than this server takes (4096 bytes)") != std::string::npos);
    CHECK(closed);
  }
  CHECK(f.handled() == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.slow_bodies.empty());
}

TEST_CASE("front: a Content-Length that is not a number of bytes gets 400, on either side") {
  Front f([](FrontServer& s) { s.set_read_timeout(30, 0); });
  for (const char* length : {"-1", "abc", "12abc", " ", "4, 4", "99999999999999999999999"}) {
    for (const char* extra : {"", "Connection: close\r\n"}) {
      CAPTURE(length);
      CAPTURE(extra);
      int fd = connect_to(f.port);
      send_all(fd, "POST /collect HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n" +
                       std::string(extra) + "Content-Length: " + length + "\r\n\r\nbad");
      auto answers = read_answers(fd, 1, nullptr, 5000);
      close(fd);
      REQUIRE(answers.size() == 1);
      CHECK(status_of(answers[0]) == (std::string(length).size() > 20 ? 413 : 400));
    }
  }
  int fd = connect_to(f.port);  // two that differ
  send_all(fd, "POST /collect HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nbad!");
  auto answers = read_answers(fd, 1, nullptr, 5000);
  close(fd);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 400);
  CHECK(f.handled() == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.slow_bodies.empty());
}

// httplib would read a body of no length until the client closed (its read
// timeout here, then 400); a client waiting for the answer never closes.
TEST_CASE("front: a POST, PUT or PATCH with neither a Content-Length nor chunks gets 411 at once") {
  Front f([](FrontServer& s) { s.set_read_timeout(30, 0); });
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    for (const char* path : {"/collect", "/ping"}) {
      CAPTURE(method);
      CAPTURE(path);
      int fd = connect_to(f.port);
      send_all(fd, std::string(method) + " " + path +
                       " HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n\r\nsome bytes");
      bool closed = false;
      auto answers = read_answers(fd, 1, &closed, 5000);
      close(fd);
      REQUIRE(answers.size() == 1);
      CHECK(status_of(answers[0]) == 411);
      CHECK(answers[0].find("sent with its Content-Length") != std::string::npos);
      CHECK(closed);
    }
  }
  int fd = connect_to(f.port);  // no body expected: httplib answers at once
  send_all(fd, "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n");
  auto answers = read_answers(fd, 1, nullptr, 5000);
  close(fd);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 200);
  CHECK(f.handled() == 0);
}

TEST_CASE("front: a head over 8 KB is not read further by the workers: httplib refuses it") {
  Front f;
  int fd = connect_to(f.port);
  std::string request = post("report", "X-Filler: " + std::string(9000, 'a') + "\r\n");
  send_all(fd, request);
  auto answers = read_answers(fd, 1);
  close(fd);
  REQUIRE(answers.size() == 1);
  CHECK(status_of(answers[0]) == 400);  // httplib's answer to a header line over its limit
  CHECK(f.handled() == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.slow_bodies.empty());
}

TEST_CASE("front: idle connections are closed, between requests and within one") {
  Front f([](FrontServer& s) { s.set_read_timeout(1, 0); });
  int idle = connect_to(f.port);
  int partial = connect_to(f.port);
  int trickle = connect_to(f.port);
  auto started = Clock::now();
  send_all(partial, "POST /collect HTTP/1.1\r\nContent-Le");
  // A byte every 100 ms: every read makes progress, but the request never comes whole.
  bool closed_trickle = false;
  std::string slow = post("never-whole");
  for (size_t i = 0; i < slow.size() && !closed_trickle; ++i) {
    if (send(trickle, slow.data() + i, 1, MSG_NOSIGNAL) != 1) break;
    pollfd p{trickle, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) closed_trickle = true;
  }
  auto trickled = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  CHECK(closed_trickle);
  CHECK(trickled < 2500);
  bool closed_idle = false, closed_partial = false;
  CHECK(read_answers(idle, 0, &closed_idle, 4000).empty());
  CHECK(read_answers(partial, 0, &closed_partial, 4000).empty());
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  CHECK(closed_idle);
  CHECK(closed_partial);
  CHECK(waited >= 900);   // the keep-alive and read timeouts are 1 s ...
  CHECK(waited < 3500);  // ... checked every quarter second
  close(idle);
  close(partial);
  close(trickle);
  CHECK(f.handled() == 0);
}

TEST_CASE("front: the keep-alive count's last answer closes, as httplib's does; half-closed clients get answers") {
  Front f([](FrontServer& s) { s.set_keep_alive_max_count(3); });
  int fd = connect_to(f.port);
  send_all(fd, post("a") + post("b") + post("c") + post("d"));
  bool closed = false;
  auto answers = read_answers(fd, 3, &closed);
  REQUIRE(answers.size() == 3);
  CHECK(has_line(answers[1], "Keep-Alive: timeout=1, max=3"));
  CHECK(has_line(answers[2], "Connection: close"));
  CHECK(closed);
  close(fd);

  int half = connect_to(f.port);
  send_all(half, post("e"));
  shutdown(half, SHUT_WR);
  auto last = read_answers(half, 1, &closed);
  REQUIRE(last.size() == 1);
  CHECK(status_of(last[0]) == 204);
  CHECK(closed);
  close(half);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == 4);  // a, b, c, e: never d
}

TEST_CASE("front: concurrent clients on kept-alive connections: every post handled exactly once") {
  Front f([](FrontServer& s) { s.set_workers(2); });
  const int clients = 8, each = 40;
  std::vector<std::thread> threads;
  std::mutex mu;
  int accepted = 0;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      int fd = connect_to(f.port);
      int ok = 0;
      for (int i = 0; i < each; i += 4) {  // four at a time, pipelined
        std::string burst;
        for (int k = i; k < i + 4; ++k) burst += post("c" + std::to_string(c) + "-" + std::to_string(k));
        send_all(fd, burst);
        for (const auto& a : read_answers(fd, 4)) ok += status_of(a) == 204;
      }
      close(fd);
      std::lock_guard<std::mutex> lock(mu);
      accepted += ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(accepted == clients * each);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == static_cast<size_t>(clients * each));
  CHECK(std::all_of(f.bodies.begin(), f.bodies.end(), [](const auto& b) { return b.second == 1; }));
}

TEST_CASE("front: a deep accept queue, and shutting down ends connections httplib holds") {
  Front f([](FrontServer& s) { s.set_keep_alive_timeout(30); });
  tcp_info info{};
  socklen_t len = sizeof info;
  REQUIRE(getsockopt(f.server.listening_fd(), IPPROTO_TCP, TCP_INFO, &info, &len) == 0);
  int somaxconn = 4096;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  CHECK(static_cast<int>(info.tcpi_sacked) == std::min(SOMAXCONN, somaxconn));  // httplib's own is 5

  int fd = connect_to(f.port);
  send_all(fd, "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n");
  REQUIRE(read_answers(fd, 1).size() == 1);  // httplib now waits up to 30 s for this connection's next request
  auto started = Clock::now();
  f.server.shut_down();
  f.thread.join();
  CHECK(Clock::now() - started < std::chrono::seconds(3));
  f.thread = std::thread([] {});  // for ~Front
  close(fd);
}

TEST_CASE("front: a client that reads its answers slowly gets every one, in order, once") {
  Front f([](FrontServer& s) { s.set_keep_alive_max_count(100000); });
  int fd = connect_to(f.port, 4096);
  const int n = 3000;
  std::thread writer([&] {
    std::string all;
    for (int i = 0; i < n; ++i) all += post(i % 100 == 7 ? "bad" : "slow-" + std::to_string(i));
    send_all(fd, all);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the answers pile up unread
  auto answers = read_answers(fd, n, nullptr, 20000);
  writer.join();
  close(fd);
  REQUIRE(answers.size() == static_cast<size_t>(n));
  int wrong = 0;
  for (int i = 0; i < n; ++i) wrong += status_of(answers[i]) != (i % 100 == 7 ? 400 : 204);
  CHECK(wrong == 0);
  std::lock_guard<std::mutex> lock(f.mu);
  CHECK(f.bodies.size() == static_cast<size_t>(n - n / 100));
}

TEST_CASE("front: a batch handler that throws or gives no answer: 500, and the connection goes on") {
  int calls = 0;
  Front f([&](FrontServer& s) {
    s.batch_post("/collect", [&](std::vector<FrontServer::Posted>& batch) {
      if (++calls == 1) throw std::runtime_error("store gone");
      for (auto& p : batch) {
        if (p.body != "silent") p.res.status = 204;
      }
    });
  });
  int fd = connect_to(f.port);
  send_all(fd, post("first"));
  auto first = read_answers(fd, 1);
  REQUIRE(first.size() == 1);
  CHECK(status_of(first[0]) == 500);
  send_all(fd, post("second") + post("silent"));
  auto next = read_answers(fd, 2);
  REQUIRE(next.size() == 2);
  CHECK(status_of(next[0]) == 204);
  CHECK(status_of(next[1]) == 500);
  close(fd);
}

TEST_CASE("front: posts given an earlier post's answer (same_as) get its bytes, with their own connection header") {
  Front f([&](FrontServer& s) {
    s.set_keep_alive_max_count(4);
    s.batch_post("/collect", [&](std::vector<FrontServer::Posted>& batch) {
      size_t first = FrontServer::kOwnAnswer;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].body == "self") {
          batch[i].same_as = i;  // not an earlier post: its own (empty) response counts
        } else if (first == FrontServer::kOwnAnswer) {
          first = i;
          batch[i].res.status = 204;
          batch[i].res.set_header("Cache-Control", "no-store");
        } else {
          batch[i].same_as = first;
        }
      }
    });
  });
  int fd = connect_to(f.port);
  send_all(fd, post("a") + post("b") + post("self") + post("c"));  // c is the connection's 4th: its answer closes
  bool closed = false;
  auto answers = read_answers(fd, 4, &closed);
  close(fd);
  REQUIRE(answers.size() == 4);
  CHECK(answers[1] == answers[0]);
  CHECK(status_of(answers[0]) == 204);
  CHECK(has_line(answers[0], "Cache-Control: no-store"));
  CHECK(has_line(answers[0], "Keep-Alive: timeout=1, max=4"));
  CHECK(status_of(answers[2]) == 500);
  CHECK(status_of(answers[3]) == 204);
  CHECK(has_line(answers[3], "Cache-Control: no-store"));
  CHECK(has_line(answers[3], "Connection: close"));
  CHECK(answers[3].find("Keep-Alive") == std::string::npos);
  CHECK(closed);
}
// httplib decodes %00 into the path, opens the file named by what comes
// before it and types the answer by what comes after: any file of the site
// could be had as a script (past a script-src 'self' policy) or as HTML.
TEST_CASE("front: a path holding a NUL byte is refused, never served as another type") {
  char dir[] = "/tmp/tactful-front-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string site = dir;
  std::ofstream(site + "/notes.txt") << "alert(1)";
  Front f([&site](FrontServer& s) { REQUIRE(s.set_mount_point("/", site)); });
  auto get = [&f](const std::string& path) {
    int fd = connect_to(f.port);
    send_all(fd, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
    auto answers = read_answers(fd, 1);
    close(fd);
    REQUIRE(answers.size() == 1);
    return answers[0];
  };
  std::string plain = get("/notes.txt");
  CHECK(status_of(plain) == 200);
  CHECK(has_line(plain, "Content-Type: text/plain"));
  for (const char* path : {"/notes.txt%00.js", "/notes.txt%00.html", "/%00"}) {
    CAPTURE(path);
    std::string answer = get(path);
    CHECK(status_of(answer) == 400);
    CHECK(answer.find("alert(1)") == std::string::npos);
  }
  std::system(("rm -rf " + site).c_str());
}

// A site owner's folder may hold a link out of it by accident: a link to
// /etc/passwd or to the collector's key must not publish that file.
TEST_CASE("front: a file reached through a link out of its folder is 404, as a missing one; links within it work") {
  char dir[] = "/tmp/tactful-front-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string base = dir, site = base + "/site", assets = base + "/assets", outside = base + "/outside";
  for (const std::string& d : {site, site + "/pages", assets, outside}) REQUIRE(mkdir(d.c_str(), 0700) == 0);
  std::ofstream(site + "/index.html") << "home";
  std::ofstream(site + "/pages/about.html") << "about us";
  std::ofstream(assets + "/app.css") << "body{}";
  std::ofstream(outside + "/secret.key") << "the collector's secret";
  std::ofstream(outside + "/index.html") << "not the site's";
  REQUIRE(symlink((outside + "/secret.key").c_str(), (site + "/key.txt").c_str()) == 0);
  REQUIRE(symlink(outside.c_str(), (site + "/out").c_str()) == 0);          // a folder out of it
  REQUIRE(symlink("../outside/secret.key", (assets + "/up.css").c_str()) == 0);  // a relative one, in a --mount
  REQUIRE(symlink("/etc/passwd", (site + "/passwd.txt").c_str()) == 0);
  REQUIRE(symlink("pages/about.html", (site + "/about.html").c_str()) == 0);  // within: served
  REQUIRE(symlink((site + "/pages").c_str(), (site + "/docs").c_str()) == 0);  // within, by its full path
  REQUIRE(symlink((site + "/pages").c_str(), (base + "/linked").c_str()) == 0);  // a mounted folder that is a link
  Front f([&](FrontServer& s) {
    REQUIRE(s.set_mount_point("/linked/", base + "/linked"));
    REQUIRE(s.set_mount_point("/assets/", assets));
    REQUIRE(s.set_mount_point("/", site));
  });
  auto ask = [&f](const std::string& method, const std::string& path) {
    int fd = connect_to(f.port);
    send_all(fd, method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    std::string all;
    char chunk[4096];
    for (ssize_t r; (r = recv(fd, chunk, sizeof chunk, 0)) > 0;) all.append(chunk, static_cast<size_t>(r));
    close(fd);
    return all;
  };
  const std::string missing = ask("GET", "/no-such-file.txt");
  CHECK(status_of(missing) == 404);
  for (std::string path : {"/key.txt", "/out/secret.key", "/out/", "/assets/up.css", "/passwd.txt"}) {
    for (std::string method : {"GET", "HEAD"}) {
      CAPTURE(path);
      CAPTURE(method);
      std::string answer = ask(method, path);
      CHECK(status_of(answer) == 404);
      CHECK(answer.find("secret") == std::string::npos);
      CHECK(answer.find("root:") == std::string::npos);
      CHECK(answer.find("not the site's") == std::string::npos);
      CHECK(answer.find("Content-Length: 0\r\n") != std::string::npos);  // the same empty 404 as a missing file's
    }
  }
  for (auto [path, body] : {std::pair<std::string, std::string>{"/about.html", "about us"},
                            {"/docs/about.html", "about us"}, {"/linked/about.html", "about us"}, {"/", "home"},
                            {"/assets/app.css", "body{}"}}) {
    CAPTURE(path);
    std::string answer = ask("GET", path);
    CHECK(status_of(answer) == 200);
    CHECK(answer.substr(answer.size() - body.size()) == body);
  }
  std::system(("rm -rf " + base).c_str());
}

// httplib writes an answer with a timeout per write: a client reading a large
// file slowly would hold one of its 32 threads for as long as it kept reading,
// and 40 such clients would leave every other request of the site waiting.
// The workers write what the socket does not take at once instead.
// Reads a file's answer up to the end of the connection (the request was the
// connection's last): whether it is a 200 with `size` bytes of `fill`.
// `each_read` runs after every read.
bool whole_file(int reader, char fill, size_t size, const std::function<void()>& each_read = nullptr) {
  shutdown(reader, SHUT_WR);  // the server closes once it has answered
  std::string head;
  size_t body = 0, other = 0;
  char chunk[65536];
  for (ssize_t r; (r = recv(reader, chunk, sizeof chunk, 0)) > 0;) {
    size_t at = 0;
    if (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
      for (; at < static_cast<size_t>(r) && (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0); ++at) {
        head += chunk[at];
      }
    }
    body += static_cast<size_t>(r) - at;
    other += static_cast<size_t>(std::count_if(chunk + at, chunk + r, [fill](char c) { return c != fill; }));
    if (each_read) each_read();
  }
  return status_of(head) == 200 && body == size && other == 0;
}

// Waits (up to 10 s) until every reader has its answer's first bytes;
// `each_wait` runs after every wait.
void wait_for_first_bytes(const std::vector<int>& readers, size_t enough,
                          const std::function<void()>& each_wait = nullptr) {
  std::vector<pollfd> polled;
  for (int reader : readers) polled.push_back({reader, POLLIN, 0});
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (size_t readable = 0; readable < enough && Clock::now() < deadline;) {
    poll(polled.data(), polled.size(), 100);
    readable = std::count_if(polled.begin(), polled.end(), [](const pollfd& p) { return p.revents & POLLIN; });
    if (each_wait) each_wait();
  }
}

TEST_CASE("front: clients reading a large file slowly hold no thread: others are still served, and they get it whole") {
  char dir[] = "/tmp/tactful-front-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string site = dir;
  const std::string big(8 << 20, 'b');
  std::ofstream(site + "/big.bin", std::ios::binary) << big;
  // A long write timeout: were each slow reader on one of httplib's threads,
  // the request below would wait for one to finish. A budget for all 40
  // answers' rests (past it, answers wait on their thread: the next test).
  Front f([&site, &big](FrontServer& s) {
    s.set_write_timeout(60, 0);
    s.set_unsent_budget(size_t{40} * big.size());
    REQUIRE(s.set_mount_point("/", site));
  });
  std::vector<int> readers;
  for (int i = 0; i < 40; ++i) {
    int fd = connect_to(f.port, 4096);
    send_all(fd, "GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n");
    readers.push_back(fd);
  }
  // At least 32 readers (as many as httplib has threads) have their answer's
  // first bytes, and none can have all of it (it backs up in the server's
  // socket buffer): they are reading when the request below is sent.
  wait_for_first_bytes(readers, 32);
  int fd = connect_to(f.port);
  send_all(fd, "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n");
  auto pong = read_answers(fd, 1, nullptr, 10000);
  close(fd);
  REQUIRE(pong.size() == 1);
  CHECK(pong[0].find("pong") != std::string::npos);
  // Every reader still gets the whole file, after the request above was
  // answered: its head, then 8 MB of 'b' up to the end of the connection.
  int whole = 0;
  for (int reader : readers) {
    whole += whole_file(reader, 'b', big.size());
    close(reader);
  }
  CHECK(whole == 40);
  std::system(("rm -rf " + site).c_str());
}

TEST_CASE("front: the answers' rests held for slow readers stay within the budget; past it answers wait on their thread") {
  char dir[] = "/tmp/tactful-front-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string site = dir;
  const std::string big(8 << 20, 'c');
  std::ofstream(site + "/big.bin", std::ios::binary) << big;
  // 12 readers of 8 MB each (the socket takes up to 4 MB at once), 16 MB for
  // all their rests: the first rest is held; answers past the budget are
  // written on their threads (at most 12 of 32), waiting on their readers
  // under a long write timeout.
  const size_t budget = 16 << 20;
  Front f([&site, budget](FrontServer& s) {
    s.set_write_timeout(60, 0);
    s.set_keep_alive_timeout(60);  // the connection kept alive below stays open
    s.set_unsent_budget(budget);
    REQUIRE(s.set_mount_point("/", site));
  });
  size_t most = 0;
  auto look = [&f, &most] { most = std::max(most, f.server.unsent_bytes()); };
  std::vector<int> readers;
  for (int i = 0; i < 12; ++i) {
    int fd = connect_to(f.port, 4096);
    send_all(fd, "GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n");
    readers.push_back(fd);
  }
  wait_for_first_bytes(readers, readers.size(), look);
  // Then each reader reads its answer whole, one after another: until the
  // last ones, the others' answers are still being answered, their rests held
  // if they were queued (48 MB or more without the budget).
  int whole = 0;
  for (int reader : readers) {
    whole += whole_file(reader, 'c', big.size(), look);
    close(reader);
  }
  CHECK(whole == 12);
  CHECK(most > 0);  // within the budget, a rest was held (no thread waited for it)
  CHECK(most <= budget);
  // Every rest written out is released (the workers may finish a moment after
  // the last byte came), on a connection kept alive too, and so is one
  // dropped: a reader that goes without reading. Alone, a rest is surely held.
  auto held_comes_to = [&f](bool some) {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while ((f.server.unsent_bytes() > 0) != some && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return (f.server.unsent_bytes() > 0) == some;
  };
  CHECK(held_comes_to(false));
  int kept = connect_to(f.port, 4096);
  send_all(kept, "GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n");
  REQUIRE(held_comes_to(true));
  auto answer = read_answers(kept, 1, nullptr, 10000);
  REQUIRE(answer.size() == 1);
  CHECK(answer[0].size() > big.size());
  CHECK(held_comes_to(false));
  send_all(kept, "GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n");
  REQUIRE(held_comes_to(true));
  CHECK(f.server.unsent_bytes() <= budget);
  close(kept);
  CHECK(held_comes_to(false));
  std::system(("rm -rf " + site).c_str());
}
