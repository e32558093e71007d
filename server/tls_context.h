#pragma once
// The TLS server context of server.tls: the certificate chain and key, and with ca_file the
// CAs whose client certificates are required. Built when the configuration is checked (at
// start-up and on every reload), so a bad file is a configuration error, reported with the
// file it came from, and a reload that fails keeps the running context. Each file is read
// once: the context is built from the bytes read, which are kept (TlsPem) for the gRPC
// port, so that both get exactly what was checked.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "config/config.h"

namespace limitsd::server {

/// The contents of server.tls's files (PEM), as read.
struct TlsPem {
  std::string cert;  ///< cert_file: the certificate, then any intermediates
  std::string key;   ///< key_file
  std::string ca;    ///< ca_file; empty when it is not set
};

class TlsContext {
 public:
  /// Reads the files of `tls`; throws std::runtime_error saying which file is wrong and
  /// what OpenSSL found. With `pem`, what was read is put there.
  static std::shared_ptr<boost::asio::ssl::context> Load(const config::TlsConfig& tls,
                                                         TlsPem* pem = nullptr);
};

}  // namespace limitsd::server
