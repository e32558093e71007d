// The ceiling of gRPC itself on this machine: a RateLimitService built like limitsd's (the
// callback API, the same generated code) that answers every ShouldRateLimit at once, on
// gRPC's own thread, with a fixed OK response of the size limitsd sends for one descriptor.
//
//   limitsd_rls_bare_server PORT

#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"

namespace {

namespace rls = envoy::service::ratelimit::v3;

class FixedOk final : public rls::RateLimitService::CallbackService {
 public:
  FixedOk() {
    fixed_.set_overall_code(rls::RateLimitResponse::OK);
    auto* status = fixed_.add_statuses();
    status->set_code(rls::RateLimitResponse::OK);
    status->mutable_current_limit()->set_requests_per_unit(100);
    status->mutable_current_limit()->set_unit(rls::RateLimitResponse::RateLimit::MINUTE);
    status->set_limit_remaining(99);
    status->mutable_duration_until_reset()->set_seconds(59);
    status->mutable_duration_until_reset()->set_nanos(999000000);
  }

  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* context,
                                            const rls::RateLimitRequest*,
                                            rls::RateLimitResponse* response) override {
    *response = fixed_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  rls::RateLimitResponse fixed_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: limitsd_rls_bare_server PORT\n");
    return 2;
  }
  // Blocked before gRPC starts its threads, so that they inherit the mask and sigwait gets
  // the signal.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  FixedOk service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::string("127.0.0.1:") + argv[1], grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "limitsd_rls_bare_server: cannot listen on port %s\n", argv[1]);
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}
