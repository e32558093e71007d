#include "protocol/request_builder.h"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::protocol {
namespace {

TEST(RequestBuilder, CostBounds) {
  EXPECT_EQ(RequestBuilder::ParseCost("1"), 1);
  EXPECT_EQ(RequestBuilder::ParseCost("1000000000"), 1'000'000'000);
  EXPECT_EQ(RequestBuilder::ParseCost("0001000000000"), 1'000'000'000);
  EXPECT_FALSE(RequestBuilder::ParseCost(""));
  EXPECT_FALSE(RequestBuilder::ParseCost("0"));
  EXPECT_FALSE(RequestBuilder::ParseCost("000"));
  EXPECT_FALSE(RequestBuilder::ParseCost("1000000001"));
  EXPECT_FALSE(RequestBuilder::ParseCost("18446744073709551617"));
  EXPECT_FALSE(RequestBuilder::ParseCost("+5"));
  EXPECT_FALSE(RequestBuilder::ParseCost("-5"));
  EXPECT_FALSE(RequestBuilder::ParseCost(" 5"));
  EXPECT_FALSE(RequestBuilder::ParseCost("5 "));
  EXPECT_FALSE(RequestBuilder::ParseCost("1e3"));
}

// BuildLineHit builds what Build builds, field for field, for every line HIT it takes, and
// takes every valid line HIT: each verb spelling (and near misses), arity, key size and cost.
TEST(RequestBuilder, BuildLineHitIsBuildForTheLineHitsItTakes) {
  const std::string key256(256, 'k');
  const std::string key257(257, 'k');
  const std::vector<std::string> verbs = {"HIT", "hit",     "HiT",  "hIt",   "HITS", "HI", "H1T",
                                          "(IT", "HIt\x80", "TEST", "STATS", "PING", "JIT"};
  const std::vector<std::vector<std::string>> argument_lists = {{},
                                                                {"api"},
                                                                {"api", "u"},
                                                                {"api", "u", "7"},
                                                                {"api", "u", "0"},
                                                                {"api", "u", "1000000000"},
                                                                {"api", "u", "1000000001"},
                                                                {"api", "u", "x"},
                                                                {"api", "u", "1", "2"},
                                                                {"api", key256},
                                                                {"api", key257},
                                                                {"api", ""},
                                                                {"", "u"}};
  for (const std::string& verb : verbs) {
    for (const std::vector<std::string>& arguments : argument_lists) {
      std::vector<std::string_view> tokens = {verb};
      for (const std::string& argument : arguments) tokens.emplace_back(argument);
      Request built;
      std::string message;
      const std::optional<ErrorCode> code =
          RequestBuilder::Build(Wire::kLine, tokens, built, message);
      Request fast;
      fast.key = "stale";  // the fields of an earlier request must not show through
      fast.argument = "stale";
      fast.password = "stale";
      const bool taken = RequestBuilder::BuildLineHit(tokens, fast);
      const std::string where = verb + " with " + std::to_string(arguments.size()) + " arguments";
      const bool valid_hit = !code && built.verb == Verb::kHit;
      ASSERT_EQ(taken, valid_hit) << where;
      if (!taken) continue;
      EXPECT_EQ(fast.wire, built.wire) << where;
      EXPECT_EQ(fast.verb, built.verb) << where;
      EXPECT_EQ(fast.limit.data(), built.limit.data()) << where;
      EXPECT_EQ(fast.limit.size(), built.limit.size()) << where;
      EXPECT_EQ(fast.key.data(), built.key.data()) << where;
      EXPECT_EQ(fast.key.size(), built.key.size()) << where;
      EXPECT_EQ(fast.cost, built.cost) << where;
      EXPECT_EQ(fast.argument.data(), built.argument.data()) << where;
      EXPECT_EQ(fast.handshake, built.handshake) << where;
      EXPECT_EQ(fast.throttle.max_burst, built.throttle.max_burst) << where;
      EXPECT_EQ(fast.throttle.count, built.throttle.count) << where;
      EXPECT_EQ(fast.throttle.period, built.throttle.period) << where;
      EXPECT_EQ(fast.throttle.quantity, built.throttle.quantity) << where;
      EXPECT_EQ(fast.user.data(), built.user.data()) << where;
      EXPECT_EQ(fast.password.data(), built.password.data()) << where;
    }
  }
}

TEST(RequestBuilder, KeyRules) {
  EXPECT_TRUE(RequestBuilder::IsValidKey("u"));
  EXPECT_TRUE(RequestBuilder::IsValidKey(std::string(256, 'x')));
  EXPECT_TRUE(RequestBuilder::IsValidKey("user:42/ip=1.2.3.4"));
  EXPECT_TRUE(RequestBuilder::IsValidKey("\xe2\x82\xac"));  // UTF-8 is fine
  EXPECT_FALSE(RequestBuilder::IsValidKey(""));
  EXPECT_FALSE(RequestBuilder::IsValidKey(std::string(257, 'x')));
  EXPECT_FALSE(RequestBuilder::IsValidKey("a b"));
  EXPECT_FALSE(RequestBuilder::IsValidKey("a\tb"));
  EXPECT_FALSE(RequestBuilder::IsValidKey(std::string_view("a\0b", 3)));
  EXPECT_FALSE(RequestBuilder::IsValidKey("a\x7f"));
  EXPECT_FALSE(RequestBuilder::IsValidKey("a\r"));
}

// Keys are checked eight bytes at a time: every byte value at every position of keys of 1 to
// 20 bytes, and at the ends of the longest key, is judged as the rule says.
TEST(RequestBuilder, EveryByteAtEveryPositionOfAKeyIsJudgedByItself) {
  for (std::size_t size = 1; size <= 20; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string key(size, 'k');
        key[at] = static_cast<char>(b);
        const bool visible = b > 0x20 && b != 0x7f;
        ASSERT_EQ(RequestBuilder::IsValidKey(key), visible)
            << "byte " << b << " at " << at << " of " << size;
        ASSERT_EQ(RequestBuilder::TextEnd(key, 0), visible ? size : at)
            << "byte " << b << " at " << at << " of " << size;
      }
    }
  }
  for (const std::size_t at : {0, 1, 247, 248, 249, 254, 255}) {
    std::string key(256, 'k');
    key[at] = ' ';
    EXPECT_FALSE(RequestBuilder::IsValidKey(key)) << at;
  }
  // From a later start, and past the end.
  EXPECT_EQ(RequestBuilder::TextEnd("ab cdefghijklm nop", 3), 14u);
  EXPECT_EQ(RequestBuilder::TextEnd("ab cdefghijklm nop", 15), 18u);
  EXPECT_EQ(RequestBuilder::TextEnd("ab", 2), 2u);
}

// Command names are compared as packed words: a name with any one byte changed to any other
// value is still that command exactly when the byte is the same letter in either case.
TEST(RequestBuilder, ACommandIsRecognizedByEveryByteOfItsName) {
  for (const std::string name : {"HIT", "TEST", "STATS", "RESET", "CLEAR", "PING", "QUIT", "HELLO",
                                 "CLIENT", "COMMAND", "SELECT", "INFO", "AUTH"}) {
    for (std::size_t at = 0; at < name.size(); ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string token = name;
        token[at] = static_cast<char>(b);
        const std::string_view tokens[] = {token};
        Request request;
        std::string message;
        const std::optional<ErrorCode> code =
            RequestBuilder::Build(Wire::kResp, tokens, request, message);
        const bool same_letter = (b | 0x20) == (name[at] | 0x20) && std::isalpha(b);
        ASSERT_EQ(code != ErrorCode::kUnknownCommand, same_letter)
            << name << " with byte " << b << " at " << at << ": " << message;
      }
    }
    // A prefix or an extension of a name is no command.
    const std::string_view shorter[] = {std::string_view(name).substr(0, name.size() - 1)};
    const std::string longer_token = name + "S";
    const std::string_view longer[] = {longer_token};
    Request request;
    std::string message;
    EXPECT_EQ(RequestBuilder::Build(Wire::kResp, shorter, request, message),
              ErrorCode::kUnknownCommand)
        << name;
    EXPECT_EQ(RequestBuilder::Build(Wire::kResp, longer, request, message),
              ErrorCode::kUnknownCommand)
        << name;
  }
}

TEST(RequestBuilder, EqualsUpperIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(RequestBuilder::EqualsUpper("hit", "HIT"));
  EXPECT_TRUE(RequestBuilder::EqualsUpper("HiT", "HIT"));
  EXPECT_FALSE(RequestBuilder::EqualsUpper("hi", "HIT"));
  EXPECT_FALSE(RequestBuilder::EqualsUpper("hitt", "HIT"));
  EXPECT_FALSE(RequestBuilder::EqualsUpper("h\xc9t", "HIT"));
  EXPECT_FALSE(RequestBuilder::EqualsUpper("HI\x14", "HIT"));  // 'T' ^ 0x40
}

TEST(RequestBuilder, BuildsFromTokens) {
  const std::vector<std::string_view> tokens = {"hit", "api", "u", "12"};
  Request request;
  std::string message;
  EXPECT_FALSE(RequestBuilder::Build(Wire::kResp, tokens, request, message));
  EXPECT_EQ(request.wire, Wire::kResp);
  EXPECT_EQ(request.verb, Verb::kHit);
  EXPECT_EQ(request.limit, "api");
  EXPECT_EQ(request.key, "u");
  EXPECT_EQ(request.cost, 12);
  EXPECT_EQ(request.handshake, Handshake::kNone);
}

TEST(RequestBuilder, ErrorOrderIsVerbArityKeyCost) {
  Request request;
  std::string message;
  const std::vector<std::string_view> unknown = {"nope", "a", "", "0", "x", "y"};
  EXPECT_EQ(RequestBuilder::Build(Wire::kLine, unknown, request, message),
            ErrorCode::kUnknownCommand);
  const std::vector<std::string_view> arity = {"HIT", "a", "", "0", "x"};
  EXPECT_EQ(RequestBuilder::Build(Wire::kLine, arity, request, message), ErrorCode::kSyntax);
  const std::vector<std::string_view> key = {"HIT", "a", "", "0"};
  EXPECT_EQ(RequestBuilder::Build(Wire::kResp, key, request, message), ErrorCode::kBadKey);
  const std::vector<std::string_view> cost = {"HIT", "a", "b", "0"};
  EXPECT_EQ(RequestBuilder::Build(Wire::kResp, cost, request, message), ErrorCode::kBadCost);
}

TEST(RequestBuilder, AuthTakesAPasswordAndOverRespAUser) {
  Request request;
  std::string message;
  const std::vector<std::string_view> line = {"auth", "s3cret"};
  ASSERT_FALSE(RequestBuilder::Build(Wire::kLine, line, request, message));
  EXPECT_EQ(request.verb, Verb::kAuth);
  EXPECT_EQ(request.user.data(), nullptr);
  EXPECT_EQ(request.password, "s3cret");
  const std::vector<std::string_view> with_user = {"AUTH", "default", "p w"};
  ASSERT_FALSE(RequestBuilder::Build(Wire::kResp, with_user, request, message));
  EXPECT_EQ(request.user, "default");
  EXPECT_EQ(request.password, "p w");
  EXPECT_EQ(RequestBuilder::Build(Wire::kLine, with_user, request, message), ErrorCode::kSyntax);
  const std::vector<std::string_view> bare = {"AUTH"};
  EXPECT_EQ(RequestBuilder::Build(Wire::kResp, bare, request, message), ErrorCode::kSyntax);
}

TEST(RequestBuilder, HelloKeepsItsAuthOption) {
  Request request;
  std::string message;
  const std::vector<std::string_view> hello = {"HELLO", "2", "SETNAME", "x", "auth", "u", "p"};
  ASSERT_FALSE(RequestBuilder::Build(Wire::kResp, hello, request, message));
  EXPECT_EQ(request.handshake, Handshake::kHello);
  EXPECT_EQ(request.argument, "2");
  EXPECT_EQ(request.user, "u");
  EXPECT_EQ(request.password, "p");
  const std::vector<std::string_view> cut = {"HELLO", "2", "AUTH", "u"};
  ASSERT_FALSE(RequestBuilder::Build(Wire::kResp, cut, request, message));
  EXPECT_EQ(request.password.data(), nullptr);
}

}  // namespace
}  // namespace limitsd::protocol
