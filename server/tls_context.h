#pragma once
// The TLS server context of server.tls: the certificate chain and key, and with ca_file the
// CAs whose client certificates are required. Built when the configuration is checked (at
// start-up and on every reload), so a bad file is a configuration error, reported with the
// file it came from, and a reload that fails keeps the running context.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "config/config.h"

namespace limitsd::server {

class TlsContext {
 public:
  /// Reads the files of `tls`; throws std::runtime_error saying which file is wrong and
  /// what OpenSSL found.
  static std::shared_ptr<boost::asio::ssl::context> Load(const config::TlsConfig& tls);
};

}  // namespace limitsd::server
