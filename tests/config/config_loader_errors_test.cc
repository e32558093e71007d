// Every kind of configuration error, with its position and its advice. Kept apart from
// config_loader_test.cc, which covers valid files.
#include "config/config_loader.h"

#include <gtest/gtest.h>

namespace limitsd::config {
namespace {

Diagnostics LoadErrors(std::string_view yaml) {
  const ConfigLoader loader(EnvExpander([](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return "value";
    return std::nullopt;
  }));
  ConfigLoader::Result result = loader.LoadString(yaml, "bad.yaml");
  EXPECT_FALSE(result.ok()) << yaml;
  return result.errors;
}

struct ErrorCase {
  std::string_view yaml;
  std::string_view where;    ///< "LINE:COL"
  std::string_view message;  ///< a part of the message
};

// Names the case in test listings (and CTest) by the place it expects.
void PrintTo(const ErrorCase& c, std::ostream* out) { *out << "at_" << c.where; }

class ConfigErrorCaseTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorCaseTest, ReportsOneErrorWithItsPlace) {
  const ErrorCase& c = GetParam();
  const Diagnostics errors = LoadErrors(c.yaml);
  ASSERT_EQ(errors.size(), 1u) << FormatDiagnostics(errors);
  const std::string text = errors[0].ToString();
  EXPECT_EQ(text.find("bad.yaml:" + std::string(c.where) + ": "), 0u) << text;
  EXPECT_NE(text.find(c.message), std::string::npos) << text;
}

const ErrorCase kErrorCases[] = {
    // Unknown keys, with and without a likely correction.
    {"server:\n  treads: 2\n", "2:3", "unknown key \"treads\" in \"server\": did you mean \"threads\"?"},
    {"sever: {}\n", "1:1", "unknown key \"sever\" in the top level: did you mean \"server\"?"},
    {"storage: { url: x }\n", "1:12", "did you mean \"uri\"?"},
    {"limits:\n  api: { rate: 1/second, stratgy: moving-window }\n", "2:26",
     "did you mean \"strategy\"?"},
    {"log: { colour: red }\n", "1:8", "the keys allowed here are level, format"},
    {"admin: { port: 1 }\n", "1:10", "the keys allowed here are listen"},
    {"server: { listen: [a:1], listen: [b:2] }\n", "1:26", "duplicate key \"listen\""},
    {"{ [a]: 1 }\n", "1:3", "must be a plain name"},
    // Wrong types.
    {"server: [1, 2]\n", "1:9", "\"server\" must be a mapping"},
    {"server: { threads: [1] }\n", "1:20", "\"server.threads\" needs a single value, got a list"},
    {"server: { threads: }\n", "1:11", "\"server.threads\" needs a single value, got nothing"},
    {"server: { threads: two }\n", "1:20", "\"server.threads\" must be a whole number from 0 to 1024, got \"two\""},
    {"server: { max_connections: 1.5 }\n", "1:28", "from 1 to 10000000"},
    {"allow_reset: maybe\n", "1:14", "\"allow_reset\" must be true or false, got \"maybe\""},
    // A second document would be ignored.
    {"server: { threads: 1 }\n---\nlog: { level: debug }\n", "3:1",
     "more than one YAML document"},
    {"allow_inline_limits: 1\n", "1:22", "must be true or false"},
    {"plugins: lib.so\n", "1:10", "\"plugins\" must be a list"},
    {"plugins: [[a]]\n", "1:11", "\"plugins[0]\" needs a single value"},
    {"plugins: [a.so, \"\"]\n", "1:17", "\"plugins[1]\" must not be empty"},
    {"storage: { options: [a] }\n", "1:21", "\"storage.options\" must be a mapping"},
    {"storage: { options: { a: [1] } }\n", "1:26", "\"storage.options.a\" needs a single value"},
    {"limits: [api]\n", "1:9", "\"limits\" must be a mapping"},
    {"strategy: [a]\n", "1:11", "\"strategy\" needs a single value"},
    {"strategy: ''\n", "1:11", "\"strategy\" must not be empty"},
    {"[1, 2]\n", "1:1", "\"the configuration\" must be a mapping"},
    // Out of range.
    {"server: { threads: 1025 }\n", "1:20", "from 0 to 1024, got \"1025\""},
    {"server: { threads: -1 }\n", "1:20", "got \"-1\""},
    {"server: { max_connections: 0 }\n", "1:28", "from 1 to 10000000"},
    {"server: { max_line_bytes: 63 }\n", "1:27", "from 64 to 16777216"},
    {"server: { idle_timeout_ms: 2147483648 }\n", "1:28", "from 0 to 2147483647"},
    {"storage: { timeout_ms: 0 }\n", "1:24", "\"storage.timeout_ms\" must be a whole number from 1 to 3600000"},
    {"storage: { timeout_ms: 99999999999999999999999 }\n", "1:24", "from 1 to 3600000"},
    // Enumerations.
    {"storage: { on_error: fail }\n", "1:22", "must be one of error, deny, allow, local; got \"fail\""},
    {"storage: { on_error: alow }\n", "1:22", "(did you mean \"allow\"?)"},
    {"log: { level: warning }\n", "1:15", "trace, debug, info, warn, error, critical, off; got \"warning\""},
    {"log: { level: INFO }\n", "1:15", "did you mean \"info\"?"},
    {"log: { format: xml }\n", "1:16", "\"log.format\" must be one of text, json; got \"xml\""},
    // Listen addresses.
    {"server: { listen: [\"127.0.0.1\"] }\n", "1:20", "bad listen address \"127.0.0.1\": no port"},
    {"server:\n  listen:\n    - 127.0.0.1:1\n    - ::1:2\n", "4:7", "IPv6 addresses go in brackets"},
    {"server: { listen: [] }\n", "1:19", "needs at least one address"},
    {"server: { listen: [a:1, a:1] }\n", "1:25", "\"a:1\" is listed twice"},
    {"admin: { listen: \"localhost\" }\n", "1:18", "in \"admin.listen\": bad listen address"},
    {"admin: { listen: unix:/tmp/a }\n", "1:18", "\"admin.listen\" takes HOST:PORT or [IPv6]:PORT"},
    {"http: { listen: \"localhost\" }\n", "1:17", "in \"http.listen\": bad listen address"},
    {"http: { listen: unix:/tmp/a }\n", "1:17", "\"http.listen\" takes HOST:PORT or [IPv6]:PORT"},
    {"http: { port: 1 }\n", "1:9", "the keys allowed here are listen, max_header_bytes, max_body_bytes"},
    {"http: { max_body_bytes: 10 }\n", "1:25", "\"http.max_body_bytes\" must be a whole number from 1024 to 67108864"},
    {"http: { max_header_bytes: 1048577 }\n", "1:27", "from 1024 to 1048576"},
    // Storage URI shape.
    {"storage: { uri: memory }\n", "1:17", "must look like SCHEME://..."},
    {"storage: { uri: \"\" }\n", "1:17", "\"storage.uri\" must not be empty"},
    // Limits.
    {"limits:\n  9lives: 1/second\n", "2:3", "bad limit name \"9lives\""},
    {"limits:\n  \"a b\": 1/second\n", "2:3", "bad limit name \"a b\""},
    {"limits:\n  api: { strategy: moving-window }\n", "2:3", "\"limits.api\" has no rate"},
    {"limits:\n  api:\n", "2:3", "\"limits.api\" needs a rate"},
    {"limits:\n  api: [1/second]\n", "2:8", "\"limits.api\" needs a rate"},
    {"limits:\n  api: { rate: '' }\n", "2:16", "\"limits.api.rate\" must not be empty"},
    {"limits:\n  api: 1/second\n  api: 2/second\n", "3:3", "duplicate key \"api\" in \"limits\""},
    {"limits:\n  api: { rate: 1/second, burst: 0 }\n", "2:33",
     "\"limits.api.burst\" must be a whole number from 1 to 1000000000"},
    // Environment variables.
    {"storage:\n  uri: \"redis://:${REDIS_PASSWORD}@h\"\n", "2:8",
     "in \"storage.uri\": environment variable REDIS_PASSWORD is not set"},
    {"log: { level: \"${SET\" }\n", "1:15", "unterminated"},
    {"server: { threads: \"${SET}\" }\n", "1:20", "got \"value\""},
    // YAML syntax.
    {"server: { threads: 1\nlog: x\n", "2:4", "YAML syntax error"},
    {"server:\n  threads: 1\n listen: x\n", "3:2", "YAML syntax error: end of map not found"},
    {"a: b: c\n", "1:5", "YAML syntax error: illegal map value"},
    {"a: @x\n", "1:4", "YAML syntax error"},
    {"a: &x 1\nb: *y\n", "2:4", "YAML syntax error"},
};

INSTANTIATE_TEST_SUITE_P(Table, ConfigErrorCaseTest, ::testing::ValuesIn(kErrorCases));

TEST(ConfigErrorsTest, ReportsEveryErrorAtOnceInFileOrder) {
  const Diagnostics errors = LoadErrors(R"(server:
  listen: ["127.0.0.1:7400", "nowhere"]
  treads: 4
  max_line_bytes: 10
storage:
  uri: "redis://${MISSING_HOST}:6379"
  on_error: explode
limits:
  ok: { rate: "1/second" }
  "bad name": { rate: "1/second" }
  login: { strategy: moving-window }
plugins: ["a.so", ["nested"]]
log: { level: verbose, format: json, extra: 1 }
colour: blue
)");
  const std::vector<std::string> expected_places = {
      "bad.yaml:2:30:", "bad.yaml:3:3:",  "bad.yaml:4:19:", "bad.yaml:6:8:",
      "bad.yaml:7:13:", "bad.yaml:10:3:", "bad.yaml:11:3:", "bad.yaml:12:19:",
      "bad.yaml:13:15:", "bad.yaml:13:38:", "bad.yaml:14:1:"};
  ASSERT_EQ(errors.size(), expected_places.size()) << FormatDiagnostics(errors);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].ToString().find(expected_places[i]), 0u) << errors[i].ToString();
  }
}

TEST(ConfigErrorsTest, SyntaxErrorStopsBeforeValidation) {
  const Diagnostics errors = LoadErrors("server: { treads: 1\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("YAML syntax error"), std::string::npos);
}

// yaml-cpp alone never returns from these (found by fuzz/config_loader_fuzz.cc).
TEST(ConfigErrorsTest, WhatTheYamlParserCannotFinishIsASyntaxErrorWithItsPlace) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {",\n- e\n", "bad.yaml:1:1: "},
      {" , key: a\n    rate_limit: { unit: second }\n", "bad.yaml:1:2: "}};
  for (const auto& [yaml, where] : cases) {
    const Diagnostics errors = LoadErrors(yaml);
    ASSERT_EQ(errors.size(), 1u) << FormatDiagnostics(errors);
    const std::string text = errors[0].ToString();
    EXPECT_EQ(text.find(std::string(where) + "YAML syntax error: the parser cannot get past"), 0u)
        << text;
  }
}

}  // namespace
}  // namespace limitsd::config
