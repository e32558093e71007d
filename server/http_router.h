#pragma once
// The HTTP port's route table: (method, path) -> handler. Every front door that answers on
// the HTTP port adds its endpoints with one line, e.g.
//
//   router.Add(http::verb::post, "/v1/hit", HandleHit);
//
// A handler gets the request and the worker of the connection's I/O thread (its Decider is
// the one entry point for decisions) and returns its reply at once or as a task to await.
// The table is filled before the port opens and only read afterwards, from every I/O thread.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include "protocol/http_api.h"
#include "server/authenticator.h"
#include "storage/pending.h"

namespace limitsd::server {

class Worker;

/// A request as a handler sees it. The struct lives for the call only; the views it holds
/// (into the connection's parsed request) stay valid until the handler's reply is ready.
struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string_view path;  ///< the target without its query string
  std::string_view body;
  const boost::beast::http::fields* fields = nullptr;  ///< the request's header fields
  /// What its `Authorization: Bearer` allows (kNone: no password, or none configured).
  Role role = Role::kNone;
};

using HttpHandler =
    std::function<storage::Pending<protocol::HttpReply>(const HttpRequest&, Worker&)>;

class HttpRouter {
 public:
  /// Adds the route; throws std::logic_error when (method, path) already has one.
  void Add(boost::beast::http::verb method, std::string path, HttpHandler handler);

  /// The handler of (method, path), or null. When the path exists under other methods only,
  /// `allow` is set to them ("POST", "GET, POST"), for 405's Allow field; otherwise it is
  /// left empty (404).
  const HttpHandler* Find(boost::beast::http::verb method, std::string_view path,
                          std::string& allow) const;
  /// Every route, "POST /v1/hit, POST /v1/test, ...", for the 404 message.
  std::string Describe() const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::string path;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace limitsd::server
