// `tactful bench-open`: the crypto-only ceiling of a collector, measured
// natively beside the real server's throughput (bench/collector.mjs): how many
// report-sized sealed boxes libsodium's crypto_box_seal_open opens per second
// on 1 and N threads, and how many whole reports open_report (size, key id,
// seal, schema, domains) checks per second. Prints one JSON object.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "collector_key.hpp"
#include "command.hpp"
#include "options.hpp"

namespace tactful::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Runs `op(i)` on `threads` threads for about `ms` milliseconds; returns operations per second.
template <typename Op>
double per_second(int threads, int64_t ms, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> pool;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint64_t n = 0;
      for (size_t i = static_cast<size_t>(t); !stop.load(std::memory_order_relaxed); i += threads) {
        op(i);
        ++n;
      }
      done += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& th : pool) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return done.load() / seconds;
}

const char* const kUsage =
    "tactful bench-open --config FILE --key SECRET_KEY_FILE [--ms 2000] [--threads N]\n"
    "  the config must carry reporting.publicKey of the key (as `tactful serve` serves it);\n"
    "  --ms from 100 to 600000 per measurement, --threads from 1 to 256";

int bench_open(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--config", "--key", "--ms", "--threads"}});
  const int64_t ms = static_cast<int64_t>(o.whole("--ms", 2000, 100, 600000));
  const unsigned cores = std::min(256u, std::max(1u, std::thread::hardware_concurrency()));
  const int threads = static_cast<int>(o.whole("--threads", cores, 1, 256));
  o.require({"--config", "--key"});
  if (!o.ok()) return usage_error("bench-open", o.error(), kUsage, err);
  int code = 0;
  auto site = read_config_and_key(o.text("--config"), o.text("--key"), "bench-open", err, code);
  if (!site) return code;
  const ReportRules& rules = site->config.reporting;
  SecretKey& sk = site->key;
  PublicKey pk = x25519_public_key(sk);
  try {
    // A pool of distinct real reports, as browsers would send them.
    std::vector<std::vector<uint8_t>> reports;
    auto built_per_second = [&] {
      auto start = Clock::now();
      for (int i = 0; i < 512; ++i) {
        WindowAccumulator acc;
        acc.start(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count());
        auto r = build_report(rules, acc, ReportInputs{});
        if (!r.ok()) throw std::runtime_error("build_report: " + r.error().message);
        reports.push_back(std::move(r.value()));
      }
      return reports.size() / std::chrono::duration<double>(Clock::now() - start).count();
    }();
    const size_t sealed_offset = kReportHeaderSize;
    const size_t plain = rules.plaintext_size;

    auto seal_open_op = [&](size_t i) {
      const auto& r = reports[i % reports.size()];
      std::vector<uint8_t> m(plain);
      if (crypto_box_seal_open(m.data(), r.data() + sealed_offset, r.size() - sealed_offset, pk.data(), sk.data()) != 0) {
        std::abort();  // every pooled report is valid: a failure means the bench is wrong
      }
    };
    auto open_report_op = [&](size_t i) {
      const auto& r = reports[i % reports.size()];
      if (!open_report(rules, r.data(), r.size(), sk).ok()) std::abort();
    };
    json result = {
        {"reportSize", rules.report_size},
        {"plaintextSize", plain},
        {"threads", threads},
        {"buildReportPerSecond", built_per_second},
        {"sealOpenPerSecond1", per_second(1, ms, seal_open_op)},
        {"sealOpenPerSecondN", per_second(threads, ms, seal_open_op)},
        {"openReportPerSecond1", per_second(1, ms, open_report_op)},
        {"openReportPerSecondN", per_second(threads, ms, open_report_op)},
    };
    sodium_memzero(sk.data(), sk.size());
    out << result.dump(2) << "\n";
  } catch (const std::exception& e) {
    err << "tactful bench-open: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"bench-open", "the collector's crypto-only ceiling: sealed reports opened per second (JSON)", kUsage,
                 bench_open});

}  // namespace tactful::cli
