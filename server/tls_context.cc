#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
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

std::string Read(std::string_view what, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    throw std::runtime_error("server.tls." + std::string(what) + " \"" + file +
                             "\": cannot read it: " + std::strerror(errno));
  }
  return text.str();
}

}  // namespace

std::shared_ptr<ssl::context> TlsContext::Load(const config::TlsConfig& tls, TlsPem* pem) {
  TlsPem read{Read("cert_file", tls.cert_file), Read("key_file", tls.key_file),
              tls.ca_file.empty() ? std::string() : Read("ca_file", tls.ca_file)};
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use);
  ERR_clear_error();
  boost::system::error_code error;
  context->use_certificate_chain(boost::asio::buffer(read.cert), error);
  if (error) Fail("cert_file", tls.cert_file, error);
  context->use_private_key(boost::asio::buffer(read.key), ssl::context::pem, error);
  if (error) Fail("key_file", tls.key_file, error);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error("server.tls.key_file \"" + tls.key_file +
                             "\" is not the key of the certificate in \"" + tls.cert_file +
                             "\": " + Reason({}));
  }
  if (!tls.ca_file.empty()) {
    context->add_certificate_authority(boost::asio::buffer(read.ca), error);
    if (error) Fail("ca_file", tls.ca_file, error);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  if (pem != nullptr) *pem = std::move(read);
  return context;
}

}  // namespace limitsd::server
