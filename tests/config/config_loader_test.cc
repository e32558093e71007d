#include "config/config_loader.h"

#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "config/config_error.h"
#include "config/usable_cpus.h"
#include "tests/support/test_support.h"

namespace limitsd::config {
namespace {

EnvExpander FakeEnvironment(std::map<std::string, std::string> variables) {
  return EnvExpander([variables = std::move(variables)](const std::string& name)
                         -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  });
}

Config LoadOk(std::string_view yaml, const ConfigLoader& loader = ConfigLoader()) {
  ConfigLoader::Result result = loader.LoadString(yaml, "test.yaml", "/etc/limitsd");
  EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.errors);
  return result.ok() ? std::move(*result.config) : Config();
}

void ExpectDefaults(const Config& config) {
  ASSERT_EQ(config.server.listen.size(), 1u);
  EXPECT_EQ(config.server.listen[0].host, "127.0.0.1");
  EXPECT_EQ(config.server.listen[0].port, 7400);
  EXPECT_EQ(config.server.threads, 1u);
  EXPECT_EQ(config.server.max_connections, 10000u);
  EXPECT_EQ(config.server.max_line_bytes, 4096u);
  EXPECT_EQ(config.server.idle_timeout_ms, 300000u);
  EXPECT_EQ(config.storage.uri, "memory://");
  EXPECT_TRUE(config.storage.options.empty());
  EXPECT_EQ(config.storage.timeout_ms, 50u);
  EXPECT_EQ(config.storage.on_error, OnError::kError);
  EXPECT_EQ(config.storage.uri_line, 0);
  EXPECT_EQ(config.strategy, "fixed-window");
  EXPECT_TRUE(config.allow_inline_limits);
  EXPECT_TRUE(config.allow_reset);
  EXPECT_TRUE(config.limits.empty());
  EXPECT_TRUE(config.plugins.empty());
  EXPECT_EQ(config.admin.listen, "");
  EXPECT_FALSE(config.admin.address);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.log.format, LogFormat::kText);
}

TEST(ConfigLoaderTest, PlainStructHasTheDefaults) { ExpectDefaults(Config()); }

TEST(ConfigLoaderTest, EmptyDocumentsGiveTheDefaults) {
  for (std::string_view yaml : {"", "# only a comment\n", "~", "{}", "server: {}\nlimits: {}\n",
                                "server:\nstorage:\nlimits:\nplugins:\nadmin:\nlog:\n"}) {
    SCOPED_TRACE(yaml);
    const Config config = LoadOk(yaml);
    ExpectDefaults(config);
    EXPECT_EQ(config.source, "test.yaml");
  }
}

constexpr std::string_view kEveryKey = R"(server:
  listen: ["0.0.0.0:7000", "[::1]:7001", "unix:/run/limitsd.sock"]
  threads: 3
  max_connections: 500
  max_line_bytes: 1024
  idle_timeout_ms: 0
storage:
  uri: redis://localhost:6379/0
  options: { key_prefix: app, pool_size: 8, tls: true, empty: }
  timeout_ms: 250
  on_error: local
strategy: moving-window
allow_inline_limits: false
allow_reset: no
limits:
  api:   { rate: "100/minute;2000/hour", strategy: sliding-window-counter }
  login: { rate: "5/minute" }
  Upload.v2-big_: 10/second
plugins: [libfoo.so, /opt/limitsd/bar.so]
admin:
  listen: "127.0.0.1:7401"
log: { level: debug, format: json }
)";

TEST(ConfigLoaderTest, ReadsEveryKey) {
  const Config config = LoadOk(kEveryKey);
  ASSERT_EQ(config.server.listen.size(), 3u);
  EXPECT_EQ(config.server.listen[0].host, "0.0.0.0");
  EXPECT_EQ(config.server.listen[0].port, 7000);
  EXPECT_EQ(config.server.listen[1].host, "::1");
  EXPECT_EQ(config.server.listen[1].port, 7001);
  EXPECT_EQ(config.server.listen[2].unix_path, "/run/limitsd.sock");
  EXPECT_EQ(config.server.threads, 3u);
  EXPECT_EQ(config.server.max_connections, 500u);
  EXPECT_EQ(config.server.max_line_bytes, 1024u);
  EXPECT_EQ(config.server.idle_timeout_ms, 0u);
  EXPECT_EQ(config.storage.uri, "redis://localhost:6379/0");
  const std::map<std::string, std::string, std::less<>> options = {
      {"key_prefix", "app"}, {"pool_size", "8"}, {"tls", "true"}, {"empty", ""}};
  EXPECT_EQ(config.storage.options, options);
  EXPECT_EQ(config.storage.timeout_ms, 250u);
  EXPECT_EQ(config.storage.on_error, OnError::kLocal);
  EXPECT_EQ(config.strategy, "moving-window");
  EXPECT_FALSE(config.allow_inline_limits);
  EXPECT_FALSE(config.allow_reset);
  ASSERT_EQ(config.limits.size(), 3u);
  EXPECT_EQ(config.limits[0].name, "api");
  EXPECT_EQ(config.limits[0].rate, "100/minute;2000/hour");
  EXPECT_EQ(config.limits[0].strategy, "sliding-window-counter");
  EXPECT_EQ(config.limits[1].name, "login");
  EXPECT_EQ(config.limits[1].rate, "5/minute");
  EXPECT_EQ(config.limits[1].strategy, "");
  EXPECT_EQ(config.limits[2].name, "Upload.v2-big_");
  EXPECT_EQ(config.limits[2].rate, "10/second");
  const std::vector<std::string> plugins = {"/etc/limitsd/libfoo.so", "/opt/limitsd/bar.so"};
  EXPECT_EQ(config.plugins, plugins);
  EXPECT_EQ(config.admin.listen, "127.0.0.1:7401");
  ASSERT_TRUE(config.admin.address);
  EXPECT_EQ(config.admin.address->port, 7401);
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.format, LogFormat::kJson);
}

TEST(ConfigLoaderTest, RecordsWhereValuesWereWritten) {
  const Config config = LoadOk(kEveryKey);
  EXPECT_EQ(config.storage.uri_line, 8);
  EXPECT_EQ(config.storage.uri_column, 8);
  EXPECT_EQ(config.storage.option_marks.at("pool_size").line, 9);
  EXPECT_EQ(config.storage.option_marks.at("pool_size").column, 31);
  EXPECT_EQ(config.strategy_line, 12);
  EXPECT_EQ(config.strategy_column, 11);
  const LimitConfig& api = config.limits[0];
  EXPECT_EQ(api.line, 16);
  EXPECT_EQ(api.column, 3);
  EXPECT_EQ(api.rate_line, 16);
  EXPECT_EQ(api.rate_column, 18);
  EXPECT_EQ(api.strategy_line, 16);
  EXPECT_EQ(api.strategy_column, 52);
  EXPECT_EQ(config.limits[1].strategy_line, 0);
  EXPECT_EQ(config.limits[2].line, 18);
  EXPECT_EQ(config.limits[2].rate_line, 18);
  EXPECT_EQ(config.limits[2].rate_column, 19);
  ASSERT_EQ(config.plugin_marks.size(), 2u);
  EXPECT_EQ(config.plugin_marks[1].line, 19);
  EXPECT_EQ(config.plugin_marks[1].column, 22);
  EXPECT_EQ(config.admin.listen_line, 21);
  EXPECT_EQ(config.admin.listen_column, 11);
}

TEST(ConfigLoaderTest, ZeroThreadsMeansOnePerUsableCpu) {
  const unsigned cores = UsableCpus::Count();
  EXPECT_EQ(LoadOk("server: { threads: 0 }").server.threads, cores);
  EXPECT_EQ(ConfigLoader::ResolveThreads(0), cores);
  EXPECT_EQ(ConfigLoader::ResolveThreads(7), 7u);
}

TEST(ConfigLoaderTest, OneListenAddressNeedsNoList) {
  const Config config = LoadOk("server:\n  listen: 10.0.0.1:80\n");
  ASSERT_EQ(config.server.listen.size(), 1u);
  EXPECT_EQ(config.server.listen[0].host, "10.0.0.1");
  EXPECT_EQ(config.server.listen[0].port, 80);
}

TEST(ConfigLoaderTest, BooleansAndNumbersAcceptCommonSpellings) {
  const Config config = LoadOk(
      "allow_inline_limits: 'off'\nallow_reset: TRUE\nserver: { max_connections: \"42\" }\n");
  EXPECT_FALSE(config.allow_inline_limits);
  EXPECT_TRUE(config.allow_reset);
  EXPECT_EQ(config.server.max_connections, 42u);
}

TEST(ConfigLoaderTest, EmptyAdminListenIsOff) {
  for (std::string_view yaml : {"admin: { listen: \"\" }", "admin:\n  listen:\n"}) {
    const Config config = LoadOk(yaml);
    EXPECT_EQ(config.admin.listen, "");
    EXPECT_FALSE(config.admin.address);
  }
}

TEST(ConfigLoaderTest, RangeBoundsAreAccepted) {
  const Config low = LoadOk(
      "server: { threads: 1, max_connections: 1, max_line_bytes: 64, idle_timeout_ms: 0 }\n"
      "storage: { timeout_ms: 1 }\n");
  EXPECT_EQ(low.server.max_line_bytes, 64u);
  EXPECT_EQ(low.storage.timeout_ms, 1u);
  const Config high = LoadOk(
      "server: { threads: 1024, max_connections: 10000000, max_line_bytes: 16777216,\n"
      "          idle_timeout_ms: 2147483647 }\nstorage: { timeout_ms: 3600000 }\n");
  EXPECT_EQ(high.server.threads, 1024u);
  EXPECT_EQ(high.server.max_connections, 10000000u);
  EXPECT_EQ(high.server.max_line_bytes, 16777216u);
  EXPECT_EQ(high.server.idle_timeout_ms, 2147483647u);
  EXPECT_EQ(high.storage.timeout_ms, 3600000u);
}

TEST(ConfigLoaderTest, EveryOnErrorAndLogValue) {
  const std::pair<std::string_view, OnError> on_error[] = {
      {"error", OnError::kError}, {"deny", OnError::kDeny}, {"allow", OnError::kAllow},
      {"local", OnError::kLocal}};
  for (const auto& [text, value] : on_error) {
    EXPECT_EQ(LoadOk("storage: { on_error: " + std::string(text) + " }").storage.on_error, value);
  }
  for (std::string_view level : kLogLevels) {
    EXPECT_EQ(LoadOk("log: { level: " + std::string(level) + " }").log.level, level);
  }
  EXPECT_EQ(LoadOk("log: { format: text }").log.format, LogFormat::kText);
}

TEST(ConfigLoaderTest, ExpandsEnvironmentVariablesInEveryScalar) {
  const ConfigLoader loader(FakeEnvironment(
      {{"REDIS_PASSWORD", "p@ss"}, {"PORT", "7411"}, {"THREADS", "2"}, {"LEVEL", "warn"},
       {"PREFIX", "team"}, {"RATE", "7/second"}, {"RESET", "false"}}));
  const Config config = LoadOk(R"(server:
  listen: ["127.0.0.1:${PORT}"]
  threads: ${THREADS}
storage:
  uri: "redis://:${REDIS_PASSWORD}@localhost:6379"
  options: { key_prefix: "${PREFIX}-limits", literal: "$${NOT_EXPANDED}" }
allow_reset: ${RESET}
limits:
  api: { rate: "${RATE}", strategy: "${STRATEGY:-moving-window}" }
log: { level: "${LEVEL}" }
)",
                               loader);
  EXPECT_EQ(config.server.listen.at(0).port, 7411);
  EXPECT_EQ(config.server.threads, 2u);
  EXPECT_EQ(config.storage.uri, "redis://:p@ss@localhost:6379");
  EXPECT_EQ(config.storage.options.at("key_prefix"), "team-limits");
  EXPECT_EQ(config.storage.options.at("literal"), "${NOT_EXPANDED}");
  EXPECT_FALSE(config.allow_reset);
  EXPECT_EQ(config.limits.at(0).rate, "7/second");
  EXPECT_EQ(config.limits.at(0).strategy, "moving-window");
  EXPECT_EQ(config.log.level, "warn");
}

TEST(ConfigLoaderTest, RelativePluginsStayAsWrittenWithoutADirectory) {
  const ConfigLoader::Result result = ConfigLoader().LoadString("plugins: [a/b.so]");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->plugins, std::vector<std::string>{"a/b.so"});
  EXPECT_EQ(result.config->source, "<string>");
}

TEST(ConfigLoaderTest, LoadFileResolvesPluginsAgainstTheFilesDirectory) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "limitsd.yaml";
  std::ofstream(file) << "plugins:\n  - plugins/../mystore.so\n  - /abs/other.so\n"
                      << "storage: { uri: \"memcached://localhost:11211\" }\n";
  const ConfigLoader::Result result = ConfigLoader().LoadFile(file);
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.errors);
  const std::vector<std::string> plugins = {(dir.path() / "mystore.so").string(),
                                            "/abs/other.so"};
  EXPECT_EQ(result.config->plugins, plugins);
  EXPECT_EQ(result.config->source, file.string());
  EXPECT_EQ(result.config->storage.uri, "memcached://localhost:11211");
  EXPECT_EQ(ConfigLoader().LoadFileOrThrow(file).storage.uri, "memcached://localhost:11211");
}

TEST(ConfigLoaderTest, MissingFileIsAnError) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "absent.yaml";
  const ConfigLoader::Result result = ConfigLoader().LoadFile(file);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(),
            file.string() + ": cannot read the configuration file: No such file or directory; "
                            "give the path of a readable YAML file");
  const ConfigLoader::Result directory = ConfigLoader().LoadFile(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.errors.at(0).message.find("it is a directory"), std::string::npos);
}

TEST(ConfigLoaderTest, LoadFileOrThrowCarriesEveryError) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "bad.yaml";
  std::ofstream(file) << "server: { treads: 2 }\nlog: { level: loud }\n";
  try {
    ConfigLoader().LoadFileOrThrow(file);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& error) {
    ASSERT_EQ(error.diagnostics().size(), 2u);
    EXPECT_EQ(error.diagnostics()[0].line, 1);
    EXPECT_EQ(error.diagnostics()[1].line, 2);
    EXPECT_EQ(std::string(error.what()).find(file.string() + ":1:11: unknown key \"treads\""), 0u)
        << error.what();
  }
}

}  // namespace
}  // namespace limitsd::config

namespace limitsd::config {
namespace {

TEST(ConfigLoaderHttpTest, OffUnlessListenIsSet) {
  const ConfigLoader::Result result = ConfigLoader().LoadString("http: {}\n");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.errors);
  EXPECT_FALSE(result.config->http.address);
  EXPECT_EQ(result.config->http.max_header_bytes, 8192u);
  EXPECT_EQ(result.config->http.max_body_bytes, 65536u);
}

TEST(ConfigLoaderHttpTest, ReadsListenAndBounds) {
  const ConfigLoader::Result result = ConfigLoader().LoadString(
      "http:\n  listen: \"[::1]:7401\"\n  max_header_bytes: 4096\n  max_body_bytes: 2048\n");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.errors);
  const HttpConfig& http = result.config->http;
  ASSERT_TRUE(http.address);
  EXPECT_EQ(http.address->host, "::1");
  EXPECT_EQ(http.address->port, 7401);
  EXPECT_EQ(http.listen_line, 2);
  EXPECT_EQ(http.listen_column, 11);
  EXPECT_EQ(http.max_header_bytes, 4096u);
  EXPECT_EQ(http.max_body_bytes, 2048u);
}

}  // namespace
}  // namespace limitsd::config

namespace limitsd::config {
namespace {

TEST(ConfigLoaderPasswordTest, IsUnsetByDefaultAndReadFromTheEnvironment) {
  EXPECT_FALSE(Config().server.password);
  EXPECT_FALSE(LoadOk("server: { threads: 1 }\n").server.password);
  EXPECT_EQ(LoadOk("server: { password: \"p w\" }\n").server.password, "p w");
  const ConfigLoader loader(FakeEnvironment({{"LIMITSD_PASSWORD", "from-env"}}));
  EXPECT_EQ(LoadOk("server:\n  password: ${LIMITSD_PASSWORD}\n", loader).server.password,
            "from-env");
}

TEST(ConfigLoaderPasswordTest, AnUnsetVariableOrAnEmptyPasswordIsAnError) {
  const ConfigLoader loader(FakeEnvironment({{"EMPTY", ""}}));
  ConfigLoader::Result unset =
      loader.LoadString("server:\n  password: ${NOPE}\n", "test.yaml", "/etc");
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(FormatDiagnostics(unset.errors)
                .find("test.yaml:2:13: in \"server.password\": "
                      "environment variable NOPE is not set"),
            std::string::npos)
      << FormatDiagnostics(unset.errors);
  ConfigLoader::Result empty =
      loader.LoadString("server:\n  password: \"${EMPTY}\"\n", "test.yaml", "/etc");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(FormatDiagnostics(empty.errors).find("\"server.password\" is empty"), std::string::npos)
      << FormatDiagnostics(empty.errors);
}

}  // namespace
}  // namespace limitsd::config

namespace limitsd::config {
namespace {

TEST(ConfigLoaderTlsTest, PathsAreRelativeToTheFileAndCaIsOptional) {
  EXPECT_FALSE(Config().server.tls);
  const Config config =
      LoadOk("server:\n  tls: { cert_file: tls/server.pem, key_file: /keys/server.key }\n");
  ASSERT_TRUE(config.server.tls);
  EXPECT_EQ(config.server.tls->cert_file, "/etc/limitsd/tls/server.pem");
  EXPECT_EQ(config.server.tls->key_file, "/keys/server.key");
  EXPECT_EQ(config.server.tls->ca_file, "");
  EXPECT_EQ(config.server.tls->mark.line, 2);
}

TEST(ConfigLoaderTlsTest, CertAndKeyAreRequiredAndKeysChecked) {
  ConfigLoader::Result result = ConfigLoader().LoadString(
      "server:\n  tls: { ca_file: ca.pem, cert: x }\n", "test.yaml", "/etc");
  ASSERT_FALSE(result.ok());
  const std::string errors = FormatDiagnostics(result.errors);
  EXPECT_NE(errors.find("unknown key \"cert\""), std::string::npos) << errors;
  EXPECT_NE(errors.find("\"server.tls\" needs cert_file"), std::string::npos) << errors;
  EXPECT_NE(errors.find("\"server.tls\" needs key_file"), std::string::npos) << errors;
}

TEST(ConfigLoaderPasswordTest, AdminPasswordIsOptionalNonEmptyAndNotThePassword) {
  EXPECT_FALSE(Config().server.admin_password);
  EXPECT_FALSE(LoadOk("server: { password: a }\n").server.admin_password);
  const ConfigLoader loader(FakeEnvironment({{"LIMITSD_ADMIN_PASSWORD", "root"}, {"EMPTY", ""}}));
  const Config both =
      LoadOk("server:\n  password: a\n  admin_password: ${LIMITSD_ADMIN_PASSWORD}\n", loader);
  EXPECT_EQ(both.server.password, "a");
  EXPECT_EQ(both.server.admin_password, "root");
  EXPECT_EQ(LoadOk("server: { admin_password: b }\n").server.admin_password, "b");

  ConfigLoader::Result empty =
      loader.LoadString("server:\n  admin_password: \"${EMPTY}\"\n", "test.yaml", "/etc");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(FormatDiagnostics(empty.errors)
                .find("test.yaml:2:19: \"server.admin_password\" is empty: give a password "
                      "(e.g. \"${LIMITSD_ADMIN_PASSWORD}\")"),
            std::string::npos)
      << FormatDiagnostics(empty.errors);
  ConfigLoader::Result same =
      loader.LoadString("server:\n  password: x\n  admin_password: x\n", "test.yaml", "/etc");
  ASSERT_FALSE(same.ok());
  EXPECT_NE(FormatDiagnostics(same.errors)
                .find("test.yaml:3:19: \"server.admin_password\" is the same as "
                      "\"server.password\""),
            std::string::npos)
      << FormatDiagnostics(same.errors);
}

}  // namespace
}  // namespace limitsd::config
