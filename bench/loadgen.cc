// limitsd_loadgen: a load generator for limitsd's line protocol (RESP with --resp, the HTTP
// API's POST /v1/hit over keep-alive connections with --http). With --incr it sends Redis'
// INCR over RESP instead of HIT: the same client against redis-server, as a control.
//
// Each of --threads threads runs its own epoll loop over its share of --connections
// connections. A connection sends a batch of --pipeline HIT requests in one write and
// waits for every reply before the next batch (closed loop), or, with --rate, sends batches
// on a fixed schedule; then latency counts from the scheduled time, so a stalled server is
// not hidden by the client waiting for it (coordinated omission). Each request's latency
// is its batch's. Bounded by --duration and --requests; connects to loopback only.
// The last line printed is machine-readable: "RESULT key=value ...".

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "bench/http_reply_counter.h"
#include "bench/latency_histogram.h"
#include "bench/reply_counter.h"

namespace limitsd::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

struct Options {
  std::string host = "127.0.0.1";
  int port = 7400;
  int connections = 50;
  int pipeline = 1;
  int threads = 1;
  std::uint64_t keys = 100'000;
  std::string distribution = "uniform";
  std::string limit = "1000000000/hour";
  std::int64_t cost = 1;
  double duration = 5;
  double warmup = 0.5;
  std::uint64_t requests = 0;
  double rate = 0;
  bool resp = false;
  bool http = false;
  bool incr = false;  // RESP INCR <key> instead of HIT (a control against redis-server)
};

struct Totals {
  LatencyHistogram latency;
  ReplyCounts replies;
  std::uint64_t connect_errors = 0;
};

// Chooses keys: uniform over [0, keys), or "zipf-ish" (log-uniform: P(k) ~ 1/(k+1)).
class KeyPicker {
 public:
  KeyPicker(const Options& o, std::uint64_t seed)
      : keys_(std::max<std::uint64_t>(o.keys, 1)), zipf_(o.distribution == "zipf"), rng_(seed) {}

  std::uint64_t Next() {
    if (!zipf_) return rng_() % keys_;
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const auto k = static_cast<std::uint64_t>(std::exp(u * std::log(double(keys_) + 1))) - 1;
    return std::min(k, keys_ - 1);
  }

 private:
  std::uint64_t keys_;
  bool zipf_;
  std::mt19937_64 rng_;
};

struct Connection {
  int fd = -1;
  ReplyCounter counter;
  HttpReplyCounter http_counter;
  std::string out;
  std::size_t out_sent = 0;
  int outstanding = 0;
  Clock::time_point batch_start;
  Clock::time_point next_send;
};

void AppendRequest(const Options& o, std::uint64_t key, std::string& out) {
  const std::string k = "k" + std::to_string(key);
  const std::string cost = o.cost == 1 ? std::string() : std::to_string(o.cost);
  if (o.http) {
    std::string body = "{\"limit\":\"" + o.limit + "\",\"key\":\"" + k + "\"";
    if (!cost.empty()) body += ",\"cost\":" + cost;
    body += "}";
    out += "POST /v1/hit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return;
  }
  if (!o.resp) {
    out += "HIT " + o.limit + " " + k;
    if (!cost.empty()) out += " " + cost;
    out += "\n";
    return;
  }
  const auto bulk = [&](const std::string& s) {
    out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  };
  if (o.incr) {
    out += "*2\r\n";
    bulk("INCR");
    bulk(k);
    return;
  }
  out += cost.empty() ? "*3\r\n" : "*4\r\n";
  bulk("HIT");
  bulk(o.limit);
  bulk(k);
  if (!cost.empty()) bulk(cost);
}

int Connect(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// One thread's share of the load: its connections, its epoll loop, its statistics.
class LoadThread {
 public:
  LoadThread(const Options& o, int connections, int index, Clock::time_point start)
      : o_(o), keys_(o, 0x9e3779b97f4a7c15ULL * (index + 1)), start_(start) {
    measure_from_ = start + std::chrono::duration_cast<nanoseconds>(
                                std::chrono::duration<double>(o.warmup));
    end_ = measure_from_ + std::chrono::duration_cast<nanoseconds>(
                               std::chrono::duration<double>(o.duration));
    if (o.rate > 0) {
      interval_ = nanoseconds(static_cast<std::int64_t>(1e9 * o.pipeline * o.connections / o.rate));
    }
    epoll_ = epoll_create1(0);
    conns_.resize(static_cast<std::size_t>(connections));
    for (std::size_t i = 0; i < conns_.size(); ++i) Open(conns_[i], i);
  }

  ~LoadThread() {
    for (Connection& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
  }

  void Run(std::atomic<std::int64_t>& budget) {
    epoll_event events[64];
    while (Clock::now() < end_) {
      for (Connection& c : conns_) MaybeSend(c, budget);
      if (live_ == 0 || (spent_ && Outstanding() == 0)) break;
      const timespec wait = WaitTime();
      const int n = epoll_pwait2(epoll_, events, 64, &wait, nullptr);
      for (int i = 0; i < n; ++i) {
        Connection& c = conns_[events[i].data.u64];
        if (events[i].events & EPOLLOUT) Flush(c);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Receive(c);
      }
    }
  }

  Totals& totals() { return totals_; }

 private:
  void Open(Connection& c, std::size_t index) {
    c.fd = Connect(o_);
    if (c.fd < 0) {
      ++totals_.connect_errors;
      return;
    }
    c.counter = ReplyCounter(o_.resp);
    c.http_counter = HttpReplyCounter();
    // Spread the first scheduled batches over one interval.
    c.next_send = start_ + interval_ * static_cast<std::int64_t>(index) /
                               static_cast<std::int64_t>(std::max<std::size_t>(conns_.size(), 1));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    ++live_;
  }

  void MaybeSend(Connection& c, std::atomic<std::int64_t>& budget) {
    if (c.fd < 0 || c.outstanding > 0 || spent_) return;
    const Clock::time_point now = Clock::now();
    if (interval_.count() > 0 && now < c.next_send) return;
    if (budget.fetch_sub(o_.pipeline, std::memory_order_relaxed) < o_.pipeline) {
      spent_ = true;  // the request budget is spent: finish the batches in flight
      return;
    }
    c.out.clear();
    c.out_sent = 0;
    for (int i = 0; i < o_.pipeline; ++i) AppendRequest(o_, keys_.Next(), c.out);
    c.outstanding = o_.pipeline;
    c.batch_start = interval_.count() > 0 ? c.next_send : now;
    c.next_send += interval_;
    Flush(c);
  }

  void Flush(Connection& c) {
    while (c.out_sent < c.out.size()) {
      const ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN) return Watch(c, EPOLLIN | EPOLLOUT);
        return Drop(c);
      }
      c.out_sent += static_cast<std::size_t>(n);
    }
    Watch(c, EPOLLIN);
  }

  void Receive(Connection& c) {
    char buf[65536];
    const ssize_t n = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return Drop(c);
    if (n < 0) return;
    const Clock::time_point now = Clock::now();
    const bool measured = now >= measure_from_ && now <= end_;
    const std::string_view bytes(buf, static_cast<std::size_t>(n));
    const ReplyCounts got = o_.http ? c.http_counter.Feed(bytes) : c.counter.Feed(bytes);
    if (measured) totals_.replies.Add(got);
    c.outstanding -= static_cast<int>(got.Total());
    if (c.outstanding <= 0) {
      c.outstanding = 0;
      if (measured) {
        totals_.latency.Record(static_cast<std::uint64_t>((now - c.batch_start).count()),
                               static_cast<std::uint64_t>(o_.pipeline));
      }
    }
  }

  void Watch(Connection& c, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void Drop(Connection& c) {
    close(c.fd);
    c.fd = -1;
    --live_;
    ++totals_.replies.closed;
  }

  int Outstanding() const {
    int n = 0;
    for (const Connection& c : conns_) n += c.fd >= 0 ? c.outstanding : 0;
    return n;
  }

  // How long epoll may sleep: until the next scheduled batch (to the nanosecond, so the
  // schedule is neither late by a rounded millisecond nor kept by spinning), at most 50 ms.
  timespec WaitTime() const {
    nanoseconds wait = std::chrono::milliseconds(50);
    if (interval_.count() > 0) {
      Clock::time_point next = end_;
      for (const Connection& c : conns_) {
        if (c.fd >= 0 && c.outstanding == 0) next = std::min(next, c.next_send);
      }
      wait = std::clamp<nanoseconds>(next - Clock::now(), nanoseconds(0), wait);
    }
    return timespec{static_cast<time_t>(wait.count() / 1'000'000'000),
                    static_cast<long>(wait.count() % 1'000'000'000)};
  }

  const Options& o_;
  KeyPicker keys_;
  Clock::time_point start_, measure_from_, end_;
  nanoseconds interval_{0};
  int epoll_ = -1;
  int live_ = 0;
  bool spent_ = false;
  std::vector<Connection> conns_;
  Totals totals_;
};

Options Parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("limitsd_loadgen options");
  // One option per line reads better than the formatter's chain.
  // clang-format off
  desc.add_options()("help", "this text")
      ("host", po::value(&o.host)->default_value(o.host), "127.0.0.1 (loopback only)")
      ("port", po::value(&o.port)->default_value(o.port), "server port")
      ("connections,c", po::value(&o.connections)->default_value(o.connections), "connections")
      ("pipeline,P", po::value(&o.pipeline)->default_value(o.pipeline), "requests per batch")
      ("threads,t", po::value(&o.threads)->default_value(o.threads), "client threads")
      ("keys,k", po::value(&o.keys)->default_value(o.keys), "distinct keys")
      ("distribution", po::value(&o.distribution)->default_value(o.distribution),
       "uniform | zipf (log-uniform, P(k) ~ 1/(k+1))")
      ("limit,l", po::value(&o.limit)->default_value(o.limit),
       "the <limit> token: a configured name or [strategy:]rate[;rate...]")
      ("cost", po::value(&o.cost)->default_value(o.cost), "cost of each HIT")
      ("duration,d", po::value(&o.duration)->default_value(o.duration), "measured seconds")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup), "unmeasured seconds first")
      ("requests,n", po::value(&o.requests)->default_value(o.requests), "at most this many (0: no cap)")
      ("rate,r", po::value(&o.rate)->default_value(o.rate), "requests/s on a schedule (0: max)")
      ("resp", po::bool_switch(&o.resp), "speak RESP2 instead of the line protocol")
      ("http", po::bool_switch(&o.http), "POST /v1/hit to the HTTP API (keep-alive)")
      ("incr", po::bool_switch(&o.incr), "with --resp: INCR <key> instead of HIT (redis-server)");
  // clang-format on
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    std::exit(0);
  }
  if (o.host == "localhost") o.host = "127.0.0.1";
  if (o.host != "127.0.0.1") throw std::invalid_argument("--host must be 127.0.0.1");
  if (o.connections < 1 || o.pipeline < 1 || o.threads < 1 || o.threads > o.connections) {
    throw std::invalid_argument("need connections >= threads >= 1 and pipeline >= 1");
  }
  if (o.incr && (!o.resp || o.http)) throw std::invalid_argument("--incr needs --resp");
  if (o.duration <= 0 || o.duration > 600 || o.warmup < 0 || o.warmup > 60) {
    throw std::invalid_argument("--duration must be in (0, 600], --warmup in [0, 60]");
  }
  return o;
}

int Main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::atomic<std::int64_t> budget(o.requests == 0 ? INT64_MAX / 2
                                                   : static_cast<std::int64_t>(o.requests));
  const Clock::time_point start = Clock::now();
  std::vector<std::unique_ptr<LoadThread>> loads;
  for (int t = 0; t < o.threads; ++t) {
    const int share = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    loads.push_back(std::make_unique<LoadThread>(o, share, t, start));
  }
  std::vector<std::thread> threads;
  for (auto& load : loads) threads.emplace_back([&load, &budget] { load->Run(budget); });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() - o.warmup;

  Totals all;
  for (auto& load : loads) {
    all.latency.Merge(load->totals().latency);
    all.replies.Add(load->totals().replies);
    all.connect_errors += load->totals().connect_errors;
  }
  const double seconds = std::max(std::min(elapsed, o.duration), 1e-9);
  const double rate = static_cast<double>(all.replies.Total()) / seconds;
  const auto us = [&](double q) { return static_cast<double>(all.latency.Quantile(q)) / 1e3; };
  std::printf("%s %d conns x P%d, %d thread(s): %.0f decisions/s over %.2f s\n",
              o.http ? "HTTP" : o.resp ? "RESP" : "line", o.connections, o.pipeline, o.threads,
              rate, seconds);
  std::printf("latency per request (us): p50 %.1f  p99 %.1f  p99.9 %.1f\n", us(0.5), us(0.99),
              us(0.999));
  std::printf("RESULT decisions_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f ok=%llu "
              "deny=%llu err=%llu closed=%llu connect_errors=%llu seconds=%.3f\n",
              rate, us(0.5), us(0.99), us(0.999), (unsigned long long)all.replies.ok,
              (unsigned long long)all.replies.deny, (unsigned long long)all.replies.error,
              (unsigned long long)all.replies.closed, (unsigned long long)all.connect_errors,
              seconds);
  const bool failed =
      all.connect_errors > 0 || all.replies.closed > 0 || all.replies.Total() == 0;
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace limitsd::bench

int main(int argc, char** argv) {
  try {
    return limitsd::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "limitsd_loadgen: %s\n", e.what());
    return 2;
  }
}
