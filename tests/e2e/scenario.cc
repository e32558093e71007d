#include "tests/e2e/scenario.h"

#include <atomic>
#include <thread>

#include "tests/e2e/line_client.h"

namespace limitsd::e2e {

std::vector<std::string> Scenario(std::uint16_t port) {
  LineClient c(port);
  std::vector<std::string> answers;
  auto ask = [&](const std::string& request) {
    const auto f = Fields(c.Ask(request));
    if (f.size() != 5) {
      answers.push_back(request + " -> " + (f.empty() ? "<none>" : f[0]));
      return;
    }
    const long long retry = std::stoll(f[4]);
    answers.push_back(request + " -> " + f[0] + " " + f[1] + " " + f[2] + " " +
                      (retry == 0 ? "0" : retry < 0 ? "-1" : "+"));
  };
  for (const char* strategy :
       {"fixed-window", "moving-window", "sliding-window-counter", "gcra"}) {
    const std::string one = std::string(strategy) + ":3/minute";
    const std::string two = std::string(strategy) + ":2/minute;5/hour";
    ask("STATS " + one + " s");
    ask("HIT " + one + " s 2");
    ask("TEST " + one + " s 2");
    ask("HIT " + one + " s");
    ask("HIT " + one + " s");
    ask("HIT " + one + " s 4");
    ask("STATS " + one + " s");
    c.Ask("RESET " + one + " s");
    ask("HIT " + one + " s 3");
    for (int i = 0; i < 4; ++i) ask("HIT " + two + " s");
    ask("HIT " + one + " other");
  }
  return answers;
}

int CountAllowedOverTwo(std::uint16_t a, std::uint16_t b, const std::string& limit) {
  std::atomic<int> allowed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      LineClient c(i % 2 == 0 ? a : b);
      std::string burst;
      for (int h = 0; h < 6; ++h) burst += "HIT " + limit + " shared\n";
      c.Send(burst);
      for (int h = 0; h < 6; ++h) {
        if (c.ReadLine().value_or("").rfind("OK ", 0) == 0) ++allowed;
      }
    });
  }
  for (auto& t : clients) t.join();
  return allowed.load();
}

}  // namespace limitsd::e2e
