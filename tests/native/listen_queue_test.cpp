#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "listen_queue.hpp"

using tactful::ListenQueue;

namespace {

// For a listening TCP socket Linux reports its accept queue's size in tcpi_sacked.
int accept_queue_size(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0);
  return static_cast<int>(info.tcpi_sacked);
}

}  // namespace

TEST_CASE("the server's accept queue is deepened past httplib's own, and it still serves") {
  httplib::Server server;
  ListenQueue queue(server);
  CHECK_FALSE(queue.deepen(1024));  // not bound yet
  server.Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.set_content("pong", "text/plain"); });
  int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  REQUIRE(queue.fd() >= 0);
  int before = accept_queue_size(queue.fd());
  int somaxconn = 4096;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  REQUIRE(queue.deepen(1024));
  CHECK(accept_queue_size(queue.fd()) == std::min(1024, somaxconn));
  CHECK(accept_queue_size(queue.fd()) > before);

  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/ping");
  REQUIRE(res);
  CHECK(res->body == "pong");
  server.stop();
  t.join();
}
