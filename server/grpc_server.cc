#include "server/grpc_server.h"

#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include <grpc/grpc_security.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "server/grpc_inbox.h"
#include "server/grpc_inline_lanes.h"
#include "server/logging.h"
#include "server/password.h"
#include "server/rls_handler.h"

namespace limitsd::server {
namespace {

namespace rls = envoy::service::ratelimit::v3;

constexpr const char* kHealthName = "ratelimit";  // the name envoyproxy/ratelimit reports

grpc::Status ToGrpc(const RlsStatus& status) {
  switch (status.code) {
    case RlsStatus::Code::kOk:
      return grpc::Status::OK;
    case RlsStatus::Code::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, status.message};
    case RlsStatus::Code::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, status.message};
    case RlsStatus::Code::kResourceExhausted:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, status.message};
    case RlsStatus::Code::kUnauthenticated:
      return {grpc::StatusCode::UNAUTHENTICATED, status.message};
    case RlsStatus::Code::kPermissionDenied:
      return {grpc::StatusCode::PERMISSION_DENIED, status.message};
  }
  return {grpc::StatusCode::INTERNAL, "unexpected status"};
}

}  // namespace

// Server credentials of gRPC's SSL implementation whose certificates can be replaced while
// the server runs: before each TLS handshake gRPC asks Fetch() for a new certificate config,
// and takes the one Renew() left since (the first at start-up). grpc++ 1.51 has no such
// credentials of its own, so this wraps the C core's (config fetcher) in ServerCredentials.
class RenewableCredentials final : public grpc::ServerCredentials {
 public:
  /// With `pem.ca`, client certificates signed by those CAs are required.
  explicit RenewableCredentials(TlsPem pem)
      : client_certificates_(!pem.ca.empty()), pending_(std::move(pem)) {
    grpc_ssl_server_credentials_options* options =
        grpc_ssl_server_credentials_create_options_using_config_fetcher(
            client_certificates_ ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
            &RenewableCredentials::Fetch, this);
    credentials_ = grpc_ssl_server_credentials_create_with_options(options);
  }
  ~RenewableCredentials() override { grpc_server_credentials_release(credentials_); }
  RenewableCredentials(const RenewableCredentials&) = delete;
  RenewableCredentials& operator=(const RenewableCredentials&) = delete;

  /// The certificates for the handshakes after this call. False (nothing changes) when
  /// `pem` adds or removes the client CAs: whether gRPC asks for client certificates is
  /// set when the port opens.
  bool Renew(TlsPem pem) {
    if (pem.ca.empty() == client_certificates_) return false;
    const std::lock_guard lock(mutex_);
    pending_ = std::move(pem);
    return true;
  }

  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    throw std::logic_error("limitsd's gRPC credentials take no AuthMetadataProcessor");
  }

 private:
  int AddPortToServer(const std::string& address, grpc_server* server) override {
    return grpc_server_add_http2_port(server, address.c_str(), credentials_);
  }

  // On a gRPC thread, before a handshake. gRPC owns the config it is handed; one it could
  // not use it would log and keep the last (never: TlsContext checked the same bytes).
  static grpc_ssl_certificate_config_reload_status Fetch(
      void* self, grpc_ssl_server_certificate_config** config) {
    auto& credentials = *static_cast<RenewableCredentials*>(self);
    const std::lock_guard lock(credentials.mutex_);
    if (!credentials.pending_) return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
    const TlsPem& pem = *credentials.pending_;
    const grpc_ssl_pem_key_cert_pair pair{pem.key.c_str(), pem.cert.c_str()};
    // gRPC 1.51 asserts that a fetched config has client CAs, even when it asks for no
    // client certificate: without ca_file it gets the server's own chain, which it never
    // uses then (no certificate is requested, so none is verified).
    const std::string& roots = pem.ca.empty() ? pem.cert : pem.ca;
    *config = grpc_ssl_server_certificate_config_create(roots.c_str(), &pair, 1);
    credentials.pending_.reset();
    return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
  }

  const bool client_certificates_;
  grpc_server_credentials* credentials_ = nullptr;
  std::mutex mutex_;
  std::optional<TlsPem> pending_;  // not handed to gRPC yet
};

namespace {

std::string GrpcAddress(const config::ListenAddress& address) {
  if (address.IsUnix()) return "unix:" + address.unix_path;
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace

/// The RateLimitService: each call is decided on the gRPC thread that read it while the
/// storage answers at once, and otherwise handed to an I/O thread in turn.
///
/// On gRPC's thread a call takes a free lane of GrpcInlineLanes (a Decider of its own),
/// is decided and finished there, and hands the lane back: no other thread is woken. When
/// the storage has to be waited on, or every lane is held, the call is pushed on its I/O
/// lane's inbox (GrpcInbox: its entry is kept in the call's own arena), and the lane's I/O
/// thread is asked to drain it only when the push found it empty: calls that arrive
/// together cost one handoff. The I/O thread answers each at once when the storage needs no
/// waiting (no coroutine is started), and otherwise starts the coroutine that finishes the
/// call when the storage answers. gRPC's threads never wait on a storage: a call decided on
/// one that has to wait after all (a hit that lost a race gives back what it took) goes on
/// as a coroutine on an I/O thread, and holds its lane until it is answered.
class GrpcServer::Service final : public rls::RateLimitService::CallbackService {
 public:
  /// A call to decide. One waiting in a lane's inbox is allocated in the call's arena, so
  /// it lives as long as the call and is never freed (trivially destructible), and it must
  /// not be read after Finish. `authorization` views the call's metadata, alive as long too.
  struct Entry {
    Entry* next = nullptr;
    grpc::ServerUnaryReactor* reactor = nullptr;
    const rls::RateLimitRequest* request = nullptr;
    rls::RateLimitResponse* response = nullptr;
    const char* authorization = nullptr;  // null: no such metadata
    std::size_t authorization_size = 0;
  };

  struct Lane {
    Lane(boost::asio::io_context& io, Decider& decider, Authenticator& authenticator)
        : io(io), handler(decider, Protocol::kGrpc), authenticator(authenticator) {}
    boost::asio::io_context& io;
    RlsHandler handler;
    Authenticator& authenticator;
    GrpcInbox<Entry> inbox;
  };

  Service(const std::vector<Worker*>& workers, std::shared_ptr<const Generation> generation)
      : inline_(std::move(generation), workers.size(), workers.front()->metrics()) {
    for (Worker* worker : workers) {
      lanes_.push_back(
          std::make_unique<Lane>(worker->io(), worker->decider(), worker->authenticator()));
    }
  }

  /// The generation of the calls decided on gRPC's threads from now on.
  void Publish(std::shared_ptr<const Generation> generation) {
    inline_.Publish(std::move(generation));
  }

  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* context,
                                            const rls::RateLimitRequest* request,
                                            rls::RateLimitResponse* response) override {
    const std::size_t turn = next_.fetch_add(1, std::memory_order_relaxed);
    Lane& lane = *lanes_[turn % lanes_.size()];
    Entry call;
    call.reactor = context->DefaultReactor();
    call.request = request;
    call.response = response;
    const auto& metadata = context->client_metadata();
    if (const auto it = metadata.find("authorization"); it != metadata.end()) {
      call.authorization = it->second.data();
      call.authorization_size = it->second.size();
    }
    grpc::ServerUnaryReactor* reactor = call.reactor;
    if (GrpcInlineLane* held = inline_.Acquire(turn)) {
      Serve(held->authenticator(), held->handler(), lane.io, call, held);
      return reactor;
    }
    auto* entry = new (grpc_call_arena_alloc(context->c_call(), sizeof(Entry))) Entry(call);
    static_assert(std::is_trivially_destructible_v<Entry>);
    // After the push the entry belongs to the lane's thread, which may finish the call.
    if (lane.inbox.Push(*entry)) boost::asio::post(lane.io, [this, &lane] { Drain(lane); });
    return reactor;
  }

 private:
  // On the lane's thread: every call in the inbox, oldest first. Serve may finish a call,
  // which frees its entry with the call's arena; the inbox reads past it first.
  void Drain(Lane& lane) {
    lane.inbox.Drain([this, &lane](const Entry& entry) {
      Serve(lane.authenticator, lane.handler, lane.io, entry, nullptr);
    });
  }

  static void Finish(grpc::ServerUnaryReactor* reactor, const std::exception_ptr& error,
                     const RlsStatus& status) {
    if (error) {
      LogException(*spdlog::default_logger_raw(), "ShouldRateLimit failed", error);
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "internal error"));
      return;
    }
    reactor->Finish(ToGrpc(status));
  }

  // On the thread that holds `handler` and `authenticator` (an I/O lane's, or an inline
  // lane's holder): answers the call, at once or when the storage answers, in a coroutine
  // on `io`. `held`, the inline lane the call is decided on (or null), is released before
  // the call is finished: a finished call may be the last before the service goes.
  void Serve(Authenticator& authenticator, RlsHandler& handler, boost::asio::io_context& io,
             const Entry& entry, GrpcInlineLane* held) {
    grpc::ServerUnaryReactor* reactor = entry.reactor;
    std::exception_ptr error;
    RlsStatus status;
    try {
      std::optional<std::string_view> authorization;
      if (entry.authorization != nullptr) {
        authorization.emplace(entry.authorization, entry.authorization_size);
      }
      if (std::optional<RlsStatus> refused = Admit(authenticator, authorization, *entry.request)) {
        status = std::move(*refused);
      } else {
        storage::Pending<RlsStatus> pending = handler.Start(*entry.request, *entry.response);
        if (!pending.ready()) {
          // gRPC keeps the request and the response alive until Finish.
          boost::asio::co_spawn(
              io, std::move(pending).Wait(),
              [this, reactor, held](const std::exception_ptr& error, RlsStatus status) {
                if (held != nullptr) inline_.Release(*held);
                Finish(reactor, error, status);
              });
          return;
        }
        status = std::move(pending).value();
      }
    } catch (...) {
      error = std::current_exception();
    }
    if (held != nullptr) inline_.Release(*held);
    Finish(reactor, error, status);
  }

  // On the thread that holds `authenticator`, which alone reads its generation's passwords:
  // with server.password set, the call needs the metadata `authorization: Bearer <password>`
  // (or the admin password); with only server.admin_password set, a call may come without
  // it, but not with a wrong one. A descriptor that states its own limit needs the admin
  // password when one is configured. The refusal, or nullopt when the call may go on.
  static std::optional<RlsStatus> Admit(Authenticator& authenticator,
                                        std::optional<std::string_view> authorization,
                                        const rls::RateLimitRequest& request) {
    constexpr auto kDoor = static_cast<std::size_t>(Protocol::kGrpc);
    Role role = Role::kNone;
    if (authenticator.Configured()) {
      std::optional<std::string_view> token;
      if (authorization) token = Password::BearerToken(*authorization);
      if (token) role = authenticator.Check(*token, kDoor);
      if (!token && authenticator.Required()) {
        authenticator.Refuse(kDoor, AuthFailure::kMissing);
        return RlsStatus{RlsStatus::Code::kUnauthenticated,
                         "Authentication required: send the metadata authorization: Bearer "
                         "<server.password>"};
      }
      if (token && role == Role::kNone) {
        return RlsStatus{RlsStatus::Code::kUnauthenticated, "invalid bearer token"};
      }
    }
    if (role != Role::kAdmin && authenticator.AdminRequired() &&
        RlsHandler::StatesALimit(request)) {
      authenticator.Refuse(kDoor, AuthFailure::kNoPerm);
      return RlsHandler::NoPermission(
          "send the metadata authorization: Bearer <server.admin_password>");
    }
    return std::nullopt;
  }

  GrpcInlineLanes inline_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<std::size_t> next_{0};
};

GrpcServer::GrpcServer(const std::vector<Worker*>& workers,
                       std::shared_ptr<const Generation> generation)
    : service_(std::make_unique<Service>(workers, std::move(generation))) {}

GrpcServer::~GrpcServer() {
  if (stopper_.joinable()) {
    stopper_.join();
  } else if (server_) {
    server_->Shutdown(std::chrono::system_clock::now());
  }
  if (server_) server_->Wait();
}

void GrpcServer::Start(const config::ListenAddress& address, std::shared_ptr<const TlsPem> tls) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // server.tls on a TCP address; unix sockets stay plain, as on the other ports.
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls != nullptr && !address.IsUnix()) {
    tls_ = std::make_shared<RenewableCredentials>(*tls);
    served_ = std::move(tls);
    credentials = tls_;
  }
  builder.AddListeningPort(GrpcAddress(address), credentials, &port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || (!address.IsUnix() && port == 0)) {
    server_.reset();
    throw std::runtime_error("cannot listen on grpc.listen " + address.text +
                             " (address in use, or not an address of this host?)");
  }
  bound_ = address.IsUnix() ? GrpcAddress(address) : address.host + ":" + std::to_string(port);
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(kHealthName, true);
}

void GrpcServer::Apply(std::shared_ptr<const Generation> generation) {
  service_->Publish(std::move(generation));
}

void GrpcServer::Renew(std::shared_ptr<const TlsPem> tls) {
  if (!tls_ || !tls || tls == served_) return;
  if (!tls_->Renew(*tls)) {
    spdlog::warn(
        "grpc.listen keeps its certificate: server.tls.ca_file was {}, and whether "
        "the gRPC port asks for client certificates changes only with a restart",
        tls->ca.empty() ? "removed" : "added");
    return;
  }
  served_ = std::move(tls);
}

void GrpcServer::BeginShutdown(std::chrono::system_clock::time_point deadline) {
  if (!server_ || stopper_.joinable()) {
    stopped_.store(true, std::memory_order_release);
    return;
  }
  server_->GetHealthCheckService()->SetServingStatus(false);
  stopper_ = std::thread([this, deadline] {
    server_->Shutdown(deadline);
    stopped_.store(true, std::memory_order_release);
  });
}

}  // namespace limitsd::server
