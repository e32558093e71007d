#include "config/command_line.h"

#include <fstream>

#include <gtest/gtest.h>

#include "config/command_line_error.h"
#include "tests/support/test_support.h"

namespace limitsd::config {
namespace {

CommandLineOptions Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "limitsd");
  return CommandLine::Parse(static_cast<int>(args.size()), args.data());
}

std::string ParseError(std::vector<const char*> args) {
  try {
    Parse(std::move(args));
  } catch (const CommandLineError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(CommandLineTest, NoArguments) {
  const CommandLineOptions options = Parse({});
  EXPECT_FALSE(options.config_file);
  EXPECT_TRUE(options.listen.empty());
  EXPECT_FALSE(options.storage_uri);
  EXPECT_FALSE(options.log_level);
  EXPECT_FALSE(options.check);
  EXPECT_FALSE(options.show_version);
  EXPECT_FALSE(options.show_help);
}

TEST(CommandLineTest, EveryFlag) {
  const CommandLineOptions options =
      Parse({"--config", "/etc/limitsd.yaml", "--listen", "0.0.0.0:1", "--listen=[::1]:2",
             "--storage", "redis://localhost:6379", "--log-level", "debug"});
  EXPECT_EQ(options.config_file, "/etc/limitsd.yaml");
  ASSERT_EQ(options.listen.size(), 2u);
  EXPECT_EQ(options.listen[0].host, "0.0.0.0");
  EXPECT_EQ(options.listen[0].port, 1);
  EXPECT_EQ(options.listen[1].host, "::1");
  EXPECT_EQ(options.storage_uri, "redis://localhost:6379");
  EXPECT_EQ(options.log_level, "debug");
}

TEST(CommandLineTest, ShortAndAttachedForms) {
  EXPECT_EQ(Parse({"-c", "a.yaml"}).config_file, "a.yaml");
  EXPECT_EQ(Parse({"-cb.yaml"}).config_file, "b.yaml");
  EXPECT_EQ(Parse({"--config=c.yaml"}).config_file, "c.yaml");
  EXPECT_TRUE(Parse({"-h"}).show_help);
  EXPECT_TRUE(Parse({"--help"}).show_help);
  EXPECT_TRUE(Parse({"--version"}).show_version);
}

TEST(CommandLineTest, Check) {
  const CommandLineOptions options = Parse({"--check", "--config", "x.yaml"});
  EXPECT_TRUE(options.check);
  EXPECT_EQ(options.config_file, "x.yaml");
}

TEST(CommandLineTest, BadCommandLines) {
  struct Case {
    std::vector<const char*> args;
    std::string_view message;
  };
  const Case cases[] = {
      {{"--bogus"}, "unrecognised option '--bogus'"},
      {{"--conf", "a"}, "unrecognised option '--conf'"},
      {{"--config"}, "--config"},
      {{"--config", "a", "-c", "b"}, "cannot be specified more than once"},
      {{"--config", ""}, "--config needs a file name"},
      {{"--config="}, "--config"},
      {{"a.yaml"}, "unexpected argument \"a.yaml\": give the configuration file with --config FILE"},
      {{"-c", "a", "b.yaml"}, "unexpected argument \"b.yaml\""},
      {{"--check"}, "--check needs the file to check"},
      {{"--listen", "localhost"}, "--listen: bad listen address \"localhost\": no port"},
      {{"--log-level", "verbose"}, "--log-level must be one of trace, debug"},
      {{"--log-level", "warning"}, "did you mean \"warn\"?"},
      {{"--storage", "redis"}, "--storage must look like SCHEME://"},
      {{"--help=yes"}, "help"},
  };
  for (const Case& c : cases) {
    const std::string error = ParseError(c.args);
    EXPECT_NE(error.find(c.message), std::string::npos) << c.args.front() << ": " << error;
  }
}

TEST(CommandLineTest, UsageListsEveryOption) {
  const std::string usage = CommandLine::Usage();
  for (std::string_view text :
       {"Usage: limitsd [--config|-c FILE] [--listen ADDR]... [--storage URI] [--log-level LEVEL]",
        "limitsd --check --config FILE", "limitsd --version | --help", "-c [ --config ] FILE",
        "--listen ADDR", "--storage URI", "--log-level LEVEL", "--check", "--version",
        "-h [ --help ]"}) {
    EXPECT_NE(usage.find(text), std::string::npos) << text << "\n" << usage;
  }
  EXPECT_EQ(CommandLine::Version().find("limitsd "), 0u);
  EXPECT_GT(CommandLine::Version().size(), std::string_view("limitsd ").size());
}

TEST(CommandLineTest, WithoutAFileTheDefaultsApply) {
  const ConfigLoader::Result result = CommandLine::Load(Parse({}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->storage.uri, "memory://");
  ASSERT_EQ(result.config->server.listen.size(), 1u);
  EXPECT_EQ(result.config->server.listen[0].text, "127.0.0.1:7400");
  EXPECT_EQ(result.config->source, "<defaults>");
}

TEST(CommandLineTest, FlagsOverrideTheDefaults) {
  const ConfigLoader::Result result =
      CommandLine::Load(Parse({"--listen", "unix:/tmp/l.sock", "--storage", "memcached://m:1",
                               "--log-level", "off"}));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.config->server.listen.size(), 1u);
  EXPECT_EQ(result.config->server.listen[0].unix_path, "/tmp/l.sock");
  EXPECT_EQ(result.config->storage.uri, "memcached://m:1");
  EXPECT_EQ(result.config->storage.uri_line, kFromCommandLine);
  EXPECT_EQ(result.config->log.level, "off");
}

TEST(CommandLineTest, FlagsOverrideTheFile) {
  testing::TempDir dir;
  const std::string file = (dir.path() / "limitsd.yaml").string();
  std::ofstream(file) << "server:\n  listen: [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n  threads: 2\n"
                      << "storage: { uri: \"redis://r:6379\", timeout_ms: 9 }\n"
                      << "log: { level: error }\n";
  const ConfigLoader::Result plain = CommandLine::Load(Parse({"-c", file.c_str()}));
  ASSERT_TRUE(plain.ok()) << FormatDiagnostics(plain.errors);
  EXPECT_EQ(plain.config->server.listen.size(), 2u);
  EXPECT_EQ(plain.config->storage.uri, "redis://r:6379");
  EXPECT_EQ(plain.config->storage.uri_line, 4);
  EXPECT_EQ(plain.config->log.level, "error");

  const ConfigLoader::Result overridden = CommandLine::Load(
      Parse({"-c", file.c_str(), "--listen", "[::1]:9", "--storage", "memory://",
             "--log-level", "trace"}));
  ASSERT_TRUE(overridden.ok()) << FormatDiagnostics(overridden.errors);
  const Config& config = *overridden.config;
  ASSERT_EQ(config.server.listen.size(), 1u);
  EXPECT_EQ(config.server.listen[0].text, "[::1]:9");
  EXPECT_EQ(config.storage.uri, "memory://");
  EXPECT_EQ(config.storage.uri_line, kFromCommandLine);
  EXPECT_EQ(config.log.level, "trace");
  EXPECT_EQ(config.server.threads, 2u);  // untouched by flags
  EXPECT_EQ(config.storage.timeout_ms, 9u);
}

TEST(CommandLineTest, LoadReportsTheFilesErrors) {
  testing::TempDir dir;
  const std::string file = (dir.path() / "bad.yaml").string();
  std::ofstream(file) << "server: { threads: many }\n";
  const ConfigLoader::Result result = CommandLine::Load(Parse({"--check", "-c", file.c_str()}));
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString().find(file + ":1:20: "), 0u) << result.errors[0].ToString();
}

}  // namespace
}  // namespace limitsd::config
