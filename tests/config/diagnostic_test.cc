#include "config/diagnostic.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_error.h"

namespace limitsd::config {
namespace {

TEST(FormatDiagnosticTest, FileLineColumn) {
  EXPECT_EQ(FormatDiagnostic("a.yaml", 3, 7, "bad"), "a.yaml:3:7: bad");
}

TEST(FormatDiagnosticTest, LineWithoutColumn) {
  EXPECT_EQ(FormatDiagnostic("a.yaml", 3, 0, "bad"), "a.yaml:3: bad");
}

TEST(FormatDiagnosticTest, WholeFile) {
  EXPECT_EQ(FormatDiagnostic("a.yaml", 0, 0, "cannot read"), "a.yaml: cannot read");
}

TEST(FormatDiagnosticTest, CommandLine) {
  EXPECT_EQ(FormatDiagnostic("a.yaml", kFromCommandLine, 0, "unknown scheme"),
            "command line: unknown scheme");
}

TEST(FormatDiagnosticTest, ListOneLineEach) {
  const Diagnostics list = {{"f", 1, 2, "one"}, {"f", 3, 4, "two"}};
  EXPECT_EQ(FormatDiagnostics(list), "f:1:2: one\nf:3:4: two\n");
  EXPECT_EQ(list[1].ToString(), "f:3:4: two");
}

TEST(FormatCheckReportTest, OkOrEveryErrorAndACount) {
  EXPECT_EQ(FormatCheckReport("a.yaml", {}), "a.yaml: configuration OK\n");
  EXPECT_EQ(FormatCheckReport("a.yaml", {{"a.yaml", 1, 2, "one"}}),
            "a.yaml:1:2: one\nlimitsd: the configuration has 1 error(s)\n");
  EXPECT_EQ(FormatCheckReport("a.yaml", {{"a.yaml", 1, 2, "one"}, {"a.yaml", 0, 0, "two"}}),
            "a.yaml:1:2: one\na.yaml: two\nlimitsd: the configuration has 2 error(s)\n");
}

TEST(ConfigErrorTest, CarriesEveryDiagnostic) {
  const ConfigError error({{"f", 1, 2, "one"}, {"f", 3, 4, "two"}});
  EXPECT_EQ(error.diagnostics().size(), 2u);
  EXPECT_STREQ(error.what(), "f:1:2: one\nf:3:4: two\n");
}

}  // namespace
}  // namespace limitsd::config

namespace limitsd::config {
namespace {

TEST(SortInFileOrder, KeepsTheDiagnosticsOfEachFileTogether) {
  Diagnostics d = {{"limitsd.yaml", 7, 1, "a"},
                   {"rules/b.yaml", 2, 3, "b"},
                   {"limitsd.yaml", 3, 1, "c"},
                   {"x", kFromCommandLine, 0, "d"},
                   {"rules/b.yaml", 1, 1, "e"}};
  SortInFileOrder(d);
  std::string order;
  for (const Diagnostic& one : d) order += one.message;
  EXPECT_EQ(order, "dcaeb");
}

}  // namespace
}  // namespace limitsd::config
