#include <micro/core/plugin_table.h>

#include <gtest/gtest.h>

namespace micro {
namespace {

struct Thing {
  virtual ~Thing() = default;
  virtual std::string Describe() const = 0;
};

struct Fake : Thing {
  explicit Fake(std::string d) : d_(std::move(d)) {}
  std::string Describe() const override { return d_; }
  std::string d_;
};

TEST(PluginTable, CreatesByScheme) {
  PluginTable<Thing> table("thing");
  ASSERT_TRUE(table
                  .Register("fake",
                            [](const Url& url) -> Result<std::unique_ptr<Thing>> {
                              return std::unique_ptr<Thing>(new Fake(url.ToString()));
                            })
                  .ok());
  auto t = table.Create("fake://127.0.0.1:9");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->Describe(), "fake://127.0.0.1:9");
  auto bare = table.Create("fake");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ((*bare)->Describe(), "fake://");
}

TEST(PluginTable, RejectsDuplicatesAndListsKnownSchemesOnMiss) {
  PluginTable<Thing> table("thing");
  auto factory = [](const Url&) -> Result<std::unique_ptr<Thing>> {
    return std::unique_ptr<Thing>(new Fake("x"));
  };
  ASSERT_TRUE(table.Register("alpha", factory).ok());
  ASSERT_TRUE(table.Register("beta", factory).ok());
  EXPECT_EQ(table.Register("alpha", factory).code(), StatusCode::kAlreadyExists);
  auto miss = table.Create("gamma://h:1");
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(miss.status().message().find("unknown thing scheme 'gamma://'"), std::string::npos);
  EXPECT_NE(miss.status().message().find("alpha, beta"), std::string::npos);
}

}  // namespace
}  // namespace micro
