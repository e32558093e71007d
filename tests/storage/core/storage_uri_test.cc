#include "storage/storage_uri.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/configuration_error.h"

namespace limitsd::storage {
namespace {

struct UriCase {
  std::string uri;
  std::string scheme;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::vector<Location> locations;
  std::string path;
};

class ParseStorageUriTable : public ::testing::TestWithParam<UriCase> {};

TEST_P(ParseStorageUriTable, ParsesEveryPart) {
  const UriCase& c = GetParam();
  const StorageUri uri = ParseStorageUri(c.uri);
  EXPECT_EQ(uri.scheme, c.scheme);
  EXPECT_EQ(uri.username, c.username);
  EXPECT_EQ(uri.password, c.password);
  EXPECT_EQ(uri.locations, c.locations);
  EXPECT_EQ(uri.path, c.path);
  EXPECT_EQ(uri.original, c.uri);
}

INSTANTIATE_TEST_SUITE_P(
    Uris, ParseStorageUriTable,
    ::testing::Values(
        UriCase{"memory://", "memory", {}, {}, {}, ""},
        UriCase{"MEMORY://", "memory", {}, {}, {}, ""},
        UriCase{"schema://[::1]:1,localhost:2", "schema", {}, {},
                {{"::1", 1}, {"localhost", 2}}, ""},
        UriCase{"schema://a@:b@@localhost:1234", "schema", "a@", "b@", {{"localhost", 1234}}, ""},
        UriCase{"redis://localhost:6379/0", "redis", {}, {}, {{"localhost", 6379}}, "/0"},
        UriCase{"redis://:secret@127.0.0.1:6379", "redis", {}, "secret", {{"127.0.0.1", 6379}},
                ""},
        UriCase{"redis://user:p%40ss%3Aw@Host.Example:7000", "redis", "user", "p@ss:w",
                {{"host.example", 7000}}, ""},
        UriCase{"redis+cluster://a:7001, b:7002 ,c:7003", "redis+cluster", {}, {},
                {{"a", 7001}, {"b", 7002}, {"c", 7003}}, ""},
        UriCase{"memcached:///path/to.sock", "memcached", {}, {}, {}, "/path/to.sock"},
        UriCase{"redis+unix:///tmp/redis.sock?db=1", "redis+unix", {}, {}, {}, "/tmp/redis.sock"},
        UriCase{"redis+unix://:pw@/tmp/r.sock", "redis+unix", {}, "pw", {}, "/tmp/r.sock"},
        UriCase{"memcached://[fe80::1]:11211", "memcached", {}, {}, {{"fe80::1", 11211}}, ""},
        UriCase{"basicdb://localhost:42", "basicdb", {}, {}, {{"localhost", 42}}, ""},
        UriCase{"redis://u@localhost:1", "redis", "u", {}, {{"localhost", 1}}, ""},
        UriCase{"redis://u:@localhost:1", "redis", "u", "", {{"localhost", 1}}, ""}));

TEST(ParseStorageUri, ParsesQueryIntoMultimap) {
  const StorageUri uri =
      ParseStorageUri("redis+sentinel://h:26379/mymaster?db=1&ssl=true&db=2&name=a%20b+c&flag");
  EXPECT_EQ(uri.path, "/mymaster");
  ASSERT_EQ(uri.query.count("db"), 2u);
  auto [first, last] = uri.query.equal_range("db");
  EXPECT_EQ(first->second, "1");
  EXPECT_EQ(std::next(first)->second, "2");
  EXPECT_EQ(uri.query.find("ssl")->second, "true");
  EXPECT_EQ(uri.query.find("name")->second, "a b c");
  ASSERT_EQ(uri.query.count("flag"), 1u);
  EXPECT_EQ(uri.query.find("flag")->second, "");
}

TEST(ParseStorageUri, UnixSocketQueryHasNoLocation) {
  const StorageUri uri = ParseStorageUri("redis+unix:///path?db=1");
  EXPECT_TRUE(uri.locations.empty());
  EXPECT_EQ(uri.path, "/path");
  EXPECT_EQ(uri.query.find("db")->second, "1");
}

std::string ErrorOf(std::string_view uri) {
  try {
    ParseStorageUri(uri);
  } catch (const ConfigurationError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseStorageUri, MissingPortIsAnError) {
  EXPECT_NE(ErrorOf("schema://localhost").find("Missing host or port in location localhost"),
            std::string::npos);
  EXPECT_NE(ErrorOf("schema://:1").find("Missing host or port"), std::string::npos);
  EXPECT_NE(ErrorOf("schema://a:1,b").find("Missing host or port in location b"),
            std::string::npos);
  EXPECT_NE(ErrorOf("schema://a:0").find("Missing host or port"), std::string::npos);
}

TEST(ParseStorageUri, BadPortIsUnparsable) {
  for (std::string_view uri : {"schema://localhost:notaport", "schema://localhost:70000",
                               "schema://[::1", "schema://[::1]x", "schema://::1:5"}) {
    EXPECT_NE(ErrorOf(uri).find("Unable to parse storage uri"), std::string::npos) << uri;
  }
}

TEST(ParseStorageUri, SchemeIsRequired) {
  for (std::string_view uri : {"memory", "", "localhost:6379", "://x:1", "1redis://x:1"}) {
    EXPECT_NE(ErrorOf(uri).find("Unable to parse storage uri"), std::string::npos) << uri;
  }
}

TEST(ParseStorageUri, ErrorsNeverShowThePassword) {
  const std::string error = ErrorOf("redis://user:hunter2@localhost:bad");
  EXPECT_NE(error.find("redis://user:***@localhost:bad"), std::string::npos) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos);
}

TEST(StorageUri, RedactedHidesThePassword) {
  EXPECT_EQ(ParseStorageUri("redis://u:s3cret@h:1/0").Redacted(), "redis://u:***@h:1/0");
  EXPECT_EQ(ParseStorageUri("redis://:p@ss@h:1").Redacted(), "redis://:***@h:1");
  EXPECT_EQ(ParseStorageUri("schema://a@:b@@localhost:1234").Redacted(),
            "schema://a@:***@localhost:1234");
  EXPECT_EQ(ParseStorageUri("redis://u@h:1").Redacted(), "redis://u@h:1");
  EXPECT_EQ(ParseStorageUri("memory://").Redacted(), "memory://");
}

}  // namespace
}  // namespace limitsd::storage
