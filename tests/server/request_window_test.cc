#include "server/request_window.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace limitsd::server {
namespace {

using protocol::ParseResult;

// What a result says, flattened for comparison (an error's message is read while valid).
std::string Describe(const ParseResult& r) {
  switch (r.kind) {
    case ParseResult::Kind::kNeedMore: return "need-more " + std::to_string(r.consumed);
    case ParseResult::Kind::kError:
      return "error " + std::to_string(r.consumed) + " " + std::string(r.error.message);
    case ParseResult::Kind::kRequest:
      return "request " + std::to_string(r.consumed) + " " + std::string(r.request.limit) + " " +
             std::string(r.request.key);
  }
  return "?";
}

// One request at a time, as the connection parsed before windows.
std::vector<std::string> OneByOne(std::string_view input) {
  protocol::RequestParser parser(4096);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const ParseResult r = parser.Next(input.substr(start));
    start += r.consumed;
    out.push_back(Describe(r));
    if (r.kind == ParseResult::Kind::kNeedMore) return out;
  }
}

struct Windowed {
  std::vector<std::string> results;
  std::vector<std::string> prefetched;  // keys, in the order prefetched
};

Windowed ThroughAWindow(std::string_view input) {
  protocol::RequestParser parser(4096);
  RequestWindow window(parser);
  Windowed out;
  const auto prefetch = [&](const protocol::Request& r, storage::KeyLocation&) {
    out.prefetched.emplace_back(r.key);
  };
  for (;;) {
    const ParseResult& r = window.Next(input, prefetch);
    out.results.push_back(Describe(r));
    if (r.kind == ParseResult::Kind::kNeedMore) return out;
  }
}

std::string Hits(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "HIT 10/second k" + std::to_string(i) + "\n";
  return text;
}

TEST(RequestWindow, HandsOutWhatTheParserGivesOneRequestAtATime) {
  // Two windows of requests, an error between them, blank lines, a RESP request, and a
  // request cut in the middle at the end.
  const std::string input = Hits(0, 20) + "BOGUS x\n\n" + Hits(20, 23) +
                            "*4\r\n$3\r\nHIT\r\n$9\r\n10/second\r\n$2\r\nkr\r\n$1\r\n2\r\n" +
                            "HIT 10/sec";
  const Windowed windowed = ThroughAWindow(input);
  EXPECT_EQ(windowed.results, OneByOne(input));
}

TEST(RequestWindow, PrefetchesEachRequestOfAWindowOfTwoOrMoreOnce) {
  const std::string input = Hits(0, 20) + "BOGUS x\n" + Hits(20, 22) + "PING\n" + Hits(22, 23);
  const Windowed windowed = ThroughAWindow(input);
  // Window 1: k0..k15; window 2: k16..k19, then the error ends it; window 3: k20, k21,
  // PING (an empty key: the handler prefetches only HIT, TEST and STATS), k22.
  std::vector<std::string> expected;
  for (int i = 0; i < 22; ++i) expected.push_back("k" + std::to_string(i));
  expected.insert(expected.end(), {"", "k22"});
  EXPECT_EQ(windowed.prefetched, expected);
}

TEST(RequestWindow, ARunOfTheSameLimitAndKeyIsPrefetchedOnce) {
  const std::string input = "HIT 10/second hot\nHIT 10/second hot\nTEST 10/second hot\n"
                            "HIT 5/second hot\nHIT 5/second cold\nHIT 10/second hot\n";
  EXPECT_EQ(ThroughAWindow(input).prefetched,
            (std::vector<std::string>{"hot", "hot", "cold", "hot"}));
}

TEST(RequestWindow, ALoneRequestIsNotPrefetched) {
  EXPECT_TRUE(ThroughAWindow("HIT 10/second solo\n").prefetched.empty());
  EXPECT_TRUE(ThroughAWindow(Hits(0, 16) + "HIT 10/second solo\n").prefetched.size() == 16);
}

// Each request's location is what its prefetch filled; a repeated limit and key gets the one
// before it, moved to its own key; a lone request gets an empty one, also after a window
// whose first slot was filled.
TEST(RequestWindow, EachRequestGetsTheLocationItsPrefetchFilled) {
  protocol::RequestParser parser(4096);
  RequestWindow window(parser);
  std::uint64_t filled = 0;
  const auto fill = [&](const protocol::Request& r, storage::KeyLocation& at) {
    EXPECT_TRUE(at.empty());
    at.store = ++filled;
    at.key = r.key.data();
    at.key_size = r.key.size();
  };
  const std::string input = "HIT 10/second a\nHIT 10/second a\nBOGUS\nHIT 10/second b\n";
  // (limit, key) of each request, and the store id its location must name (0: empty).
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"a", 1}, {"a", 1}, {"", 0}, {"b", 0}};
  for (const auto& [key, store] : expected) {
    const ParseResult& r = window.Next(input, fill);
    if (r.kind != ParseResult::Kind::kRequest) continue;
    const storage::KeyLocation& at = window.location();
    EXPECT_EQ(at.store, store) << key;
    EXPECT_EQ(r.request.key, key);
    if (store != 0) {
      EXPECT_EQ(at.key, r.request.key.data()) << key;
      EXPECT_EQ(at.key_size, r.request.key.size()) << key;
    }
  }
  EXPECT_EQ(window.Next(input, fill).kind, ParseResult::Kind::kNeedMore);
  protocol::RequestParser second(4096);
  window.Reset(second);
  const std::string two = "HIT 10/second x\nHIT 10/second y\n";
  EXPECT_EQ(window.Next(two, fill).kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(window.location().store, 2u);
  protocol::RequestParser third(4096);
  window.Reset(third);
  const std::string lone = "HIT 10/second x\n";
  EXPECT_EQ(window.Next(lone, fill).kind, ParseResult::Kind::kRequest);
  EXPECT_TRUE(window.location().empty());
  EXPECT_EQ(filled, 3u);
}

TEST(RequestWindow, AtEndAfterTheLastCompleteResultOnly) {
  protocol::RequestParser parser(4096);
  RequestWindow window(parser);
  const auto none = [](const protocol::Request&, storage::KeyLocation&) {};
  const std::string two = "HIT 10/second a\nHIT 10/second b\nHIT 10/sec";
  EXPECT_EQ(Describe(window.Next(two, none)), "request 16 10/second a");
  EXPECT_FALSE(window.AtEnd());
  EXPECT_EQ(Describe(window.Next(two, none)), "request 16 10/second b");
  EXPECT_TRUE(window.AtEnd());
  EXPECT_EQ(window.Next(two, none).kind, ParseResult::Kind::kNeedMore);

  // A window used up: what follows is not parsed yet, so not known to be the end.
  const std::string full = Hits(0, RequestWindow::kSize);
  window.Reset(parser);
  for (std::size_t i = 0; i < RequestWindow::kSize; ++i) {
    EXPECT_FALSE(window.AtEnd()) << i;
    EXPECT_EQ(window.Next(full, none).kind, ParseResult::Kind::kRequest);
  }
  EXPECT_FALSE(window.AtEnd());
  EXPECT_EQ(window.Next(full, none).kind, ParseResult::Kind::kNeedMore);
}

TEST(RequestWindow, ResetStartsOverOnANewInput) {
  protocol::RequestParser parser(4096);
  RequestWindow window(parser);
  const auto none = [](const protocol::Request&, storage::KeyLocation&) {};
  EXPECT_EQ(Describe(window.Next(Hits(0, 3), none)), "request 17 10/second k0");
  protocol::RequestParser other(4096);  // another connection's
  window.Reset(other);
  const std::string input = "PING\nHIT 10/second x\n";
  Windowed expected{OneByOne(input), {}};
  std::vector<std::string> results;
  for (;;) {
    const ParseResult& r = window.Next(input, none);
    results.push_back(Describe(r));
    if (r.kind == ParseResult::Kind::kNeedMore) break;
  }
  EXPECT_EQ(results, expected.results);
}

}  // namespace
}  // namespace limitsd::server
