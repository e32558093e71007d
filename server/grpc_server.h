#pragma once
// Envoy's rate limit service (RLS v3) over gRPC, on grpc.listen: ShouldRateLimit with
// gRPC's callback API. While the storage answers at once (memory://), a call is decided and
// finished on the gRPC thread that read it, with a Decider of the gRPC service's own
// (GrpcInlineLanes); otherwise it is handed to an I/O thread (in turn), decided there by that
// thread's RlsHandler through its Decider, and finished from there: gRPC's own threads never
// wait on a storage. grpc.health.v1 answers SERVING for "" and "ratelimit" until shutdown;
// server reflection is on.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "server/envoy_limits.h"
#include "server/tls_context.h"
#include "server/worker.h"

namespace grpc {
class Server;
}

namespace limitsd::server {

class RenewableCredentials;
struct Generation;

class GrpcServer {
 public:
  /// Decides on `workers`, with the envoy.config rules of their current generation, and on
  /// gRPC's threads with `generation` (the workers' too) while its storage answers at once.
  GrpcServer(const std::vector<Worker*>& workers, std::shared_ptr<const Generation> generation);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  /// On any thread: the generation of the calls decided on gRPC's threads from now on (the
  /// one a reload hands every worker).
  void Apply(std::shared_ptr<const Generation> generation);
  /// Listens on `address` and starts serving; throws std::runtime_error naming it on failure.
  /// With `tls` (server.tls's files, read and checked) a TCP address speaks TLS, requiring
  /// client certificates signed by its CAs when it has any (ca_file).
  void Start(const config::ListenAddress& address, std::shared_ptr<const TlsPem> tls = nullptr);
  /// Serves `tls` to the connections that come after (a reload read the files again); the
  /// open ones keep theirs. Nothing when the port is plain; a warning, and nothing, when
  /// `tls` adds or removes ca_file (that needs a restart here).
  /// Files read by an earlier call (the same pointer) are not handed over again.
  void Renew(std::shared_ptr<const TlsPem> tls);
  /// "host:port" (with the port chosen when 0 was asked) or "unix:/path".
  std::string BoundAddress() const { return bound_; }
  /// Reports NOT_SERVING, stops taking calls and finishes those in flight (on a thread of
  /// its own: they finish on the I/O threads, which must keep running); calls still open at
  /// `deadline` are cancelled.
  void BeginShutdown(std::chrono::system_clock::time_point deadline);
  /// Whether the shutdown begun by BeginShutdown is over.
  bool Stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::shared_ptr<RenewableCredentials> tls_;  // null: plain; outlives server_
  std::shared_ptr<const TlsPem> served_;       // what tls_ was last given
  std::unique_ptr<grpc::Server> server_;
  std::string bound_;
  std::thread stopper_;
  std::atomic<bool> stopped_{false};
};

}  // namespace limitsd::server
