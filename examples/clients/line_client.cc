// A minimal limitsd client in C++: the line protocol over a blocking Boost.Asio stream.
// Usage: limitsd_line_client [PORT]   (or LIMITSD_PORT; LIMITSD_HOST defaults to 127.0.0.1)
#include <boost/asio/ip/tcp.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

namespace {

/// A decision as the line protocol spells it: OK|DENY <limit> <remaining> <reset_ms> <retry_ms>.
struct Decision {
  bool allowed = false;
  long long limit = 0, remaining = 0, reset_ms = 0, retry_ms = 0;
};

/// Sends one request and reads its one-line reply; false on a closed connection or an ERR.
bool Ask(boost::asio::ip::tcp::iostream& conn, const std::string& request, std::string& reply) {
  conn << request << '\n' << std::flush;
  return std::getline(conn, reply) && reply.rfind("ERR ", 0) != 0;
}

bool ParseDecision(const std::string& reply, Decision& decision) {
  std::istringstream fields(reply);
  std::string verdict;
  fields >> verdict >> decision.limit >> decision.remaining >> decision.reset_ms >>
      decision.retry_ms;
  decision.allowed = verdict == "OK";
  return fields && (verdict == "OK" || verdict == "DENY");
}

}  // namespace

int main(int argc, char** argv) {
  const char* env_port = std::getenv("LIMITSD_PORT");
  const char* env_host = std::getenv("LIMITSD_HOST");
  const std::string port = argc > 1 ? argv[1] : env_port ? env_port : "7400";
  boost::asio::ip::tcp::iostream conn(env_host ? env_host : "127.0.0.1", port);
  if (!conn) {
    std::cerr << "cannot connect: " << conn.error().message() << '\n';
    return 1;
  }
  std::string reply;
  Decision decision;
  if (!Ask(conn, "HIT api user42", reply) || !ParseDecision(reply, decision)) {
    std::cerr << "unexpected reply: " << reply << '\n';
    return 1;
  }
  std::cout << "allowed=" << decision.allowed << " limit=" << decision.limit
            << " remaining=" << decision.remaining << " reset_ms=" << decision.reset_ms
            << " retry_ms=" << decision.retry_ms << '\n';
  if (!Ask(conn, "HIT nosuchlimit user42", reply)) std::cout << reply << '\n';  // an ERR line
  return 0;
}
