#include "server/http_router.h"

#include <stdexcept>

namespace limitsd::server {

namespace http = boost::beast::http;

void HttpRouter::Add(http::verb method, std::string path, HttpHandler handler) {
  for (const Route& route : routes_) {
    if (route.method == method && route.path == path) {
      throw std::logic_error("HTTP route " + std::string(http::to_string(method)) + " " + path +
                             " is registered twice");
    }
  }
  routes_.push_back(Route{method, std::move(path), std::move(handler)});
}

const HttpHandler* HttpRouter::Find(http::verb method, std::string_view path,
                                    std::string& allow) const {
  allow.clear();
  for (const Route& route : routes_) {
    if (route.path != path) continue;
    if (route.method == method) return &route.handler;
    if (!allow.empty()) allow += ", ";
    allow += http::to_string(route.method);
  }
  return nullptr;
}

std::string HttpRouter::Describe() const {
  std::string text;
  for (const Route& route : routes_) {
    if (!text.empty()) text += ", ";
    text += http::to_string(route.method);
    text += ' ';
    text += route.path;
  }
  return text;
}

}  // namespace limitsd::server
