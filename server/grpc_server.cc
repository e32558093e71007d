#include "server/grpc_server.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
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
  }
  return {grpc::StatusCode::INTERNAL, "unexpected status"};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + path + " for grpc.listen's TLS");
  return text.str();
}

// server.tls on a TCP address; unix sockets stay plain, as on the other ports.
std::shared_ptr<grpc::ServerCredentials> Credentials(const config::ListenAddress& address,
                                                     const config::TlsConfig* tls) {
  if (tls == nullptr || address.IsUnix()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls->ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                           : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!tls->ca_file.empty()) options.pem_root_certs = ReadFile(tls->ca_file);
  options.pem_key_cert_pairs.push_back({ReadFile(tls->key_file), ReadFile(tls->cert_file)});
  return grpc::SslServerCredentials(options);
}

std::string GrpcAddress(const config::ListenAddress& address) {
  if (address.IsUnix()) return "unix:" + address.unix_path;
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace

/// The RateLimitService, handing each call to an I/O thread in turn.
class GrpcServer::Service final : public rls::RateLimitService::CallbackService {
 public:
  struct Lane {
    boost::asio::io_context& io;
    std::unique_ptr<RlsHandler> handler;
    Authenticator& authenticator;
  };

  explicit Service(const std::vector<Worker*>& workers) {
    for (Worker* worker : workers) {
      lanes_.push_back({worker->io(),
                        std::make_unique<RlsHandler>(worker->decider(), Protocol::kGrpc),
                        worker->authenticator()});
    }
  }

  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* context,
                                            const rls::RateLimitRequest* request,
                                            rls::RateLimitResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    Lane& lane = lanes_[next_.fetch_add(1, std::memory_order_relaxed) % lanes_.size()];
    std::optional<std::string> authorization;
    const auto& metadata = context->client_metadata();
    if (const auto it = metadata.find("authorization"); it != metadata.end()) {
      authorization.emplace(it->second.data(), it->second.size());
    }
    // The coroutine starts on the lane's I/O thread; gRPC keeps the request and the
    // response alive until Finish.
    boost::asio::co_spawn(
        lane.io, Serve(lane, std::move(authorization), *request, *response),
        [reactor](const std::exception_ptr& error, RlsStatus status) {
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              spdlog::error("ShouldRateLimit failed: {}", e.what());
            } catch (...) {
              spdlog::error("ShouldRateLimit failed with a non-standard exception");
            }
            reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "internal error"));
            return;
          }
          reactor->Finish(ToGrpc(status));
        });
    return reactor;
  }

 private:
  // On the lane's thread, which alone reads its generation's password: with
  // server.password set, the call needs the metadata `authorization: Bearer <password>`.
  static storage::Task<RlsStatus> Serve(Lane& lane, std::optional<std::string> authorization,
                                        const rls::RateLimitRequest& request,
                                        rls::RateLimitResponse& response) {
    Authenticator& authenticator = lane.authenticator;
    constexpr auto kDoor = static_cast<std::size_t>(Protocol::kGrpc);
    if (authenticator.Required()) {
      std::optional<std::string_view> token;
      if (authorization) token = Password::BearerToken(*authorization);
      if (!token) {
        authenticator.Refuse(kDoor, AuthFailure::kMissing);
        co_return RlsStatus{RlsStatus::Code::kUnauthenticated,
                            "Authentication required: send the metadata authorization: Bearer "
                            "<server.password>"};
      }
      if (authenticator.Check(*token, kDoor) == Role::kNone) {
        co_return RlsStatus{RlsStatus::Code::kUnauthenticated, "invalid bearer token"};
      }
    }
    co_return co_await lane.handler->Handle(request, response);
  }

  std::vector<Lane> lanes_;
  std::atomic<std::size_t> next_{0};
};

GrpcServer::GrpcServer(const std::vector<Worker*>& workers)
    : service_(std::make_unique<Service>(workers)) {}

GrpcServer::~GrpcServer() {
  if (stopper_.joinable()) {
    stopper_.join();
  } else if (server_) {
    server_->Shutdown(std::chrono::system_clock::now());
  }
  if (server_) server_->Wait();
}

void GrpcServer::Start(const config::ListenAddress& address, const config::TlsConfig* tls) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(GrpcAddress(address), Credentials(address, tls), &port);
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
