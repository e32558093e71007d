// Load generator for Envoy's rate limit service (gRPC RLS v3): keeps `-c` ShouldRateLimit
// calls in flight (each a stream of the HTTP/2 connection of its channel) with gRPC's async
// client API, one descriptor per call, for `-d` seconds after a warm-up, and prints
//
//   RESULT calls_per_s=N ok=N over_limit=N errors=N
//
// The same client measures limitsd and the bare server (rls_bare_server.cc), so the ratio is
// what limitsd's decision costs on top of gRPC itself.
//
//   limitsd_rls_loadgen --target 127.0.0.1:8081 [-c 50] [--channels 1] [-d 5]
//                       [--warmup 1] [-k 100000] [--domain bench] [--key user]

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"

namespace {

namespace rls = envoy::service::ratelimit::v3;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string target;
  int concurrency = 50;
  int channels = 1;
  double seconds = 5;
  double warmup = 1;
  int keys = 100000;
  std::string domain = "bench";
  std::string key = "user";
};

// One call slot: a call in flight, started again as soon as it completes.
struct Slot {
  std::unique_ptr<grpc::ClientContext> context;
  rls::RateLimitResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<rls::RateLimitResponse>> reader;
  rls::RateLimitService::Stub* stub = nullptr;
};

class Load {
 public:
  explicit Load(const Options& options) : options_(options), rng_(42), pick_(0, options.keys - 1) {
    for (int i = 0; i < options.channels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
      stubs_.push_back(rls::RateLimitService::NewStub(
          grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args)));
    }
    slots_.resize(static_cast<std::size_t>(options.concurrency));
    for (std::size_t i = 0; i < slots_.size(); ++i)
      slots_[i].stub = stubs_[i % stubs_.size()].get();
  }

  void Run() {
    for (Slot& slot : slots_) Start(slot);
    const auto begin = Clock::now();
    const auto measure_from = begin + Seconds(options_.warmup);
    const auto end = measure_from + Seconds(options_.seconds);
    bool measuring = false;
    void* tag = nullptr;
    bool ok = false;
    int in_flight = static_cast<int>(slots_.size());
    while (in_flight > 0 && cq_.Next(&tag, &ok)) {
      Slot& slot = *static_cast<Slot*>(tag);
      const auto now = Clock::now();
      if (!measuring && now >= measure_from) {
        measuring = true;
        calls_ = ok_ = over_ = errors_ = 0;
        started_ = now;
      }
      Count(slot);
      if (now < end) {
        Start(slot);
      } else {
        --in_flight;
        if (stopped_ == Clock::time_point{}) stopped_ = now;
      }
    }
    const double elapsed = std::chrono::duration<double>(stopped_ - started_).count();
    std::printf("RESULT calls_per_s=%.0f ok=%llu over_limit=%llu errors=%llu\n",
                elapsed > 0 ? static_cast<double>(calls_) / elapsed : 0.0,
                static_cast<unsigned long long>(ok_), static_cast<unsigned long long>(over_),
                static_cast<unsigned long long>(errors_));
  }

 private:
  static Clock::duration Seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  void Start(Slot& slot) {
    rls::RateLimitRequest request;
    request.set_domain(options_.domain);
    auto* entry = request.add_descriptors()->add_entries();
    entry->set_key(options_.key);
    entry->set_value("u" + std::to_string(pick_(rng_)));
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.response.Clear();
    slot.reader = slot.stub->PrepareAsyncShouldRateLimit(slot.context.get(), request, &cq_);
    slot.reader->StartCall();
    slot.reader->Finish(&slot.response, &slot.status, &slot);
  }

  void Count(const Slot& slot) {
    ++calls_;
    if (!slot.status.ok()) {
      ++errors_;
    } else if (slot.response.overall_code() == rls::RateLimitResponse::OK) {
      ++ok_;
    } else {
      ++over_;
    }
  }

  Options options_;
  std::mt19937 rng_;
  std::uniform_int_distribution<int> pick_;
  std::vector<std::unique_ptr<rls::RateLimitService::Stub>> stubs_;
  std::vector<Slot> slots_;
  grpc::CompletionQueue cq_;
  std::uint64_t calls_ = 0, ok_ = 0, over_ = 0, errors_ = 0;
  Clock::time_point started_{}, stopped_{};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  po::options_description desc("limitsd_rls_loadgen");
  desc.add_options()("help,h", "this text")("target", po::value(&o.target)->required(),
                                            "HOST:PORT of the gRPC server")(
      "concurrency,c", po::value(&o.concurrency)->default_value(50), "calls in flight")(
      "channels", po::value(&o.channels)->default_value(1), "channels (connections)")(
      "duration,d", po::value(&o.seconds)->default_value(5), "seconds measured")(
      "warmup", po::value(&o.warmup)->default_value(1), "seconds before measuring")(
      "keys,k", po::value(&o.keys)->default_value(100000), "distinct descriptor values")(
      "domain", po::value(&o.domain)->default_value("bench"), "the request's domain")(
      "key", po::value(&o.key)->default_value("user"), "the descriptor entry's key");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::printf("%s\n", (std::ostringstream() << desc).str().c_str());
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "limitsd_rls_loadgen: %s\n", e.what());
    return 2;
  }
  if (o.concurrency < 1 || o.channels < 1 || o.keys < 1) {
    std::fprintf(stderr, "limitsd_rls_loadgen: -c, --channels and -k must be at least 1\n");
    return 2;
  }
  Load load(o);
  load.Run();
  return 0;
}
