#pragma once
// What a worker knows of a client connection, whatever its protocol (line/RESP, HTTP): it
// can be asked to finish the request at hand and close, for a graceful shutdown.

namespace limitsd::server {

class Session {
 public:
  virtual ~Session() = default;
  /// Finishes the request being handled, writes its replies, then closes.
  virtual void Shutdown() = 0;
};

}  // namespace limitsd::server
