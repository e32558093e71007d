#include "storage/storage_context.h"

#include <gtest/gtest.h>

#include "storage/configuration_error.h"

namespace limitsd::storage {
namespace {

TEST(StorageContext, OptionFallsBackWhenAbsent) {
  StorageContext context;
  context.options["key_prefix"] = "app";
  EXPECT_EQ(context.Option("key_prefix", "limitsd"), "app");
  EXPECT_EQ(context.Option("other", "limitsd"), "limitsd");
}

TEST(StorageContext, IntOptionParsesWithinBounds) {
  StorageContext context;
  context.options["pool"] = "8";
  context.options["negative"] = "-3";
  EXPECT_EQ(context.IntOption("pool", 4, 1, 64), 8);
  EXPECT_EQ(context.IntOption("missing", 4, 1, 64), 4);
  EXPECT_EQ(context.IntOption("negative", 0, -10, 10), -3);
}

TEST(StorageContext, IntOptionRejectsBadValuesNamingTheOption) {
  StorageContext context;
  for (const char* bad : {"", "x", "8x", "65", "0", " 8", "1e3"}) {
    context.options["pool"] = bad;
    try {
      context.IntOption("pool", 4, 1, 64);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ConfigurationError& e) {
      EXPECT_NE(std::string(e.what()).find("'pool'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("from 1 to 64"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace limitsd::storage
