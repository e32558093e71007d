#include "server/tls_context.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace limitsd::server {
namespace {

std::string LoadError(const config::TlsConfig& tls) {
  try {
    TlsPem pem;
    TlsContext::Load(tls, &pem);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "loaded";
}

TEST(TlsContextTest, AFileThatCannotBeReadOrIsNotPemIsNamed) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("limitsd-tls-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string missing = (dir / "missing.pem").string();
  const std::string text = (dir / "text.pem").string();
  std::ofstream(text) << "not a certificate\n";

  EXPECT_EQ(LoadError({.cert_file = missing, .key_file = text}),
            "server.tls.cert_file \"" + missing + "\": cannot read it: No such file or directory");
  const std::string not_pem = LoadError({.cert_file = text, .key_file = text});
  EXPECT_EQ(not_pem.rfind("server.tls.cert_file \"" + text + "\": ", 0), 0u) << not_pem;
  EXPECT_NE(not_pem.find("no start line"), std::string::npos) << not_pem;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limitsd::server
