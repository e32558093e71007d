#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace limitsd::server {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's reason for the last failure, e.g. "no start line" for a file that is not PEM.
std::string Reason(const boost::system::error_code& error) {
  std::string reason = error.message();
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason = text;
  }
  ERR_clear_error();
  return reason;
}

[[noreturn]] void Fail(std::string_view what, const std::string& file,
                       const boost::system::error_code& error) {
  throw std::runtime_error("server.tls." + std::string(what) + " \"" + file +
                           "\": " + Reason(error));
}

}  // namespace

std::shared_ptr<ssl::context> TlsContext::Load(const config::TlsConfig& tls) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use);
  ERR_clear_error();
  boost::system::error_code error;
  context->use_certificate_chain_file(tls.cert_file, error);
  if (error) Fail("cert_file", tls.cert_file, error);
  context->use_private_key_file(tls.key_file, ssl::context::pem, error);
  if (error) Fail("key_file", tls.key_file, error);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error("server.tls.key_file \"" + tls.key_file +
                             "\" is not the key of the certificate in \"" + tls.cert_file +
                             "\": " + Reason({}));
  }
  if (!tls.ca_file.empty()) {
    context->load_verify_file(tls.ca_file, error);
    if (error) Fail("ca_file", tls.ca_file, error);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

}  // namespace limitsd::server
