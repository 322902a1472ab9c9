#include <micro/core/url.h>

#include <gtest/gtest.h>

namespace micro {
namespace {

TEST(Url, ParsesSchemeHostsPathAndQuery) {
  auto u = Url::Parse("etcd://h1:2379,h2:2380/prefix?timeout=5&tls");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "etcd");
  ASSERT_EQ(u->hosts.size(), 2u);
  EXPECT_EQ(u->hosts[0].host, "h1");
  EXPECT_EQ(u->hosts[1].port, 2380);
  EXPECT_EQ(u->path, "/prefix");
  EXPECT_EQ(u->query.at("timeout"), "5");
  EXPECT_TRUE(u->query.count("tls"));
  EXPECT_EQ(u->ToString(), "etcd://h1:2379,h2:2380/prefix?timeout=5&tls");
}

TEST(Url, EmptyAuthority) {
  auto u = Url::Parse("memory://");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "memory");
  EXPECT_TRUE(u->hosts.empty());
}

TEST(Url, QueryPairsWithoutKeyAreSkipped) {
  auto u = Url::Parse("x://h:1?=v&&a=b");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->query.size(), 1u);
  EXPECT_EQ(u->query.at("a"), "b");
  EXPECT_EQ(u->ToString(), "x://h:1?a=b");
}

TEST(Url, RejectsGarbage) {
  EXPECT_FALSE(Url::Parse("no-scheme").ok());
  EXPECT_FALSE(Url::Parse("://x").ok());
  EXPECT_FALSE(Url::Parse("x://host:notaport").ok());
  EXPECT_FALSE(Url::Parse("x://host:70000").ok());
  EXPECT_FALSE(Url::Parse("x://host").ok());
  EXPECT_FALSE(Url::Parse("x://[]:8").ok());
}

TEST(HostPort, Ipv6Brackets) {
  auto hp = ParseHostPort("[::1]:8080");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 8080);
}

}  // namespace
}  // namespace micro
