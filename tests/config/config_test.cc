// Config layering, typed getters and their errors, watch callbacks driven by a fake source.
#include <micro/config/config.h>

#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace micro::config {
namespace {

using std::chrono::milliseconds;
using testing::FakeSource;
using ::testing::HasSubstr;
using testing::ScopedEnv;
using testing::TempDir;
using testing::WriteInPlace;

std::unique_ptr<Config> MustLoad(LoadOptions options) {
  options.watch = false;
  auto cfg = Config::Load(std::move(options));
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  return cfg.ok() ? std::move(cfg).value() : nullptr;
}

TEST(ConfigLayers, LaterLayersWinAndSourceOfNamesTheLayer) {
  TempDir dir;
  std::string file = dir.File("app.yaml");
  WriteInPlace(
      file, "server:\n  port: 8081\n  host: file-host\n  name: file-name\nlog:\n  level: info\n");
  ScopedEnv port("MICRO_SERVER_PORT", "8082");
  ScopedEnv host("MICRO_SERVER_HOST", "env-host");
  auto cfg = MustLoad({
      .defaults = {{"server.port", 8080},
                   {"server.host", "default-host"},
                   {"server.name", "default-name"},
                   {"server.threads", 4},
                   {"log.level", "warn"}},
      .file = file,
      .args = {"--server.port=8083", "positional", "-v"},
  });
  ASSERT_TRUE(cfg);

  EXPECT_EQ(cfg->GetInt("server.port").value_or(0), 8083);
  EXPECT_EQ(cfg->SourceOf("server.port"), "flag:--server.port");
  EXPECT_EQ(cfg->GetString("server.host").value_or(""), "env-host");
  EXPECT_EQ(cfg->SourceOf("server.host"), "env:MICRO_SERVER_HOST");
  EXPECT_EQ(cfg->GetString("server.name").value_or(""), "file-name");
  EXPECT_EQ(cfg->SourceOf("server.name"), "file:" + file);
  EXPECT_EQ(cfg->GetInt("server.threads").value_or(0), 4);
  EXPECT_EQ(cfg->SourceOf("server.threads"), "default");
  EXPECT_EQ(cfg->GetString("log.level").value_or(""), "info");
  // A map: the highest layer that set anything below it.
  EXPECT_EQ(cfg->SourceOf("server"), "flags");
  EXPECT_EQ(cfg->SourceOf("log"), "file:" + file);
  EXPECT_EQ(cfg->SourceOf("no.such.key"), "");
}

TEST(ConfigLayers, FlagForms) {
  auto cfg = MustLoad({
      .env_prefix = "",
      .args = {"--a=1", "--b", "2", "--debug", "--c.d", "x y", "--e=", "--", "--after=1"},
  });
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("a").value_or(0), 1);
  EXPECT_EQ(cfg->GetInt("b").value_or(0), 2);
  EXPECT_TRUE(cfg->GetBool("debug").value_or(false));
  EXPECT_EQ(cfg->GetString("c.d").value_or(""), "x y");
  EXPECT_EQ(cfg->GetString("e").value_or("unset"), "");
  EXPECT_FALSE(cfg->GetString("after").ok());

  auto bad = Config::Load({.args = {"--server..port=1"}, .watch = false});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("--server..port=1"));
}

TEST(ConfigLayers, EnvNamingRule) {
  ScopedEnv a("MICROTEST_SERVER_MAX__BODY", "1024");
  ScopedEnv b("MICROTEST_LOG_LEVEL", "debug");
  ScopedEnv c("MICROTEST_", "ignored");
  ScopedEnv d("MICROTEST_BAD_", "ignored");
  ScopedEnv e("OTHER_SERVER_PORT", "1");
  auto cfg = MustLoad({.env_prefix = "MICROTEST_"});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("server.max_body").value_or(0), 1024);
  EXPECT_EQ(cfg->SourceOf("server.max_body"), "env:MICROTEST_SERVER_MAX__BODY");
  EXPECT_EQ(cfg->GetString("log.level").value_or(""), "debug");
  EXPECT_EQ(cfg->Keys(), (std::vector<std::string>{"log.level", "server.max_body"}));
}

TEST(ConfigLayers, EnvLayerCanBeTurnedOff) {
  ScopedEnv a("MICRO_SERVER_PORT", "1");
  auto cfg = MustLoad({.defaults = {{"server.port", 2}}, .env_prefix = ""});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("server.port").value_or(0), 2);
}

TEST(ConfigLayers, DefaultsMayBeMapsAndNullUnsets) {
  TempDir dir;
  std::string file = dir.File("app.yaml");
  WriteInPlace(file, "cache:\n  size: ~\n");
  auto cfg = MustLoad({.defaults = {{"cache", Value::Map{{"size", 10}, {"ttl", "1m"}}}},
                       .file = file,
                       .env_prefix = ""});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetDuration("cache.ttl").value_or(milliseconds(0)), milliseconds(60'000));
  auto size = cfg->GetInt("cache.size");
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(size.status().message(), HasSubstr("null in file:" + file));
  EXPECT_EQ(cfg->GetOr("cache.size", 7), 7);
}

TEST(ConfigLoad, MissingOrBrokenFileFailsNamingIt) {
  TempDir dir;
  auto missing = Config::Load({.file = dir.File("nope.yaml"), .watch = false});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir.File("nope.yaml")));

  std::string broken = dir.File("broken.yaml");
  WriteInPlace(broken, "server:\n  port: 80\n  hosts: [a, b\n");
  auto bad = Config::Load({.file = broken, .watch = false});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("file:" + broken + ": line "));

  auto bad_default = Config::Load({.defaults = {{"a..b", 1}}, .watch = false});
  EXPECT_FALSE(bad_default.ok());
}

TEST(ConfigGetters, TypeErrorsNameKeyValueAndSource) {
  ScopedEnv port("MICRO_SERVER_PORT", "abc");
  auto cfg = MustLoad({.defaults = {{"server.port", 8080}, {"server", Value::Map{}}}});
  ASSERT_TRUE(cfg);
  auto p = cfg->GetInt("server.port");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(),
            "server.port: expected an integer, got \"abc\" (from env:MICRO_SERVER_PORT)");
  // GetOr falls back on a malformed value too (and logs it).
  EXPECT_EQ(cfg->GetOr("server.port", 9), 9);

  auto s = cfg->GetString("server");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("server: expected a string, got a map"));

  auto missing = cfg->GetInt("server.max_body");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"server.max_body\""));
  EXPECT_THAT(missing.status().message(), HasSubstr("MICRO_SERVER_MAX__BODY"));
  EXPECT_THAT(missing.status().message(), HasSubstr("--server.max_body"));
}

TEST(ConfigGetters, Conversions) {
  auto cfg = MustLoad({
      .defaults = {{"i", 42},
                   {"i_str", " +42 "},
                   {"i_double", 3.0},
                   {"frac", 3.5},
                   {"d_str", "0.25"},
                   {"b1", "yes"},
                   {"b2", "OFF"},
                   {"b3", 1},
                   {"b4", "maybe"},
                   {"big", "99999999999999999999"},
                   {"small", 300}},
      .env_prefix = "",
  });
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("i").value_or(0), 42);
  EXPECT_EQ(cfg->GetInt("i_str").value_or(0), 42);
  EXPECT_EQ(cfg->GetInt("i_double").value_or(0), 3);
  EXPECT_FALSE(cfg->GetInt("frac").ok());
  EXPECT_DOUBLE_EQ(cfg->GetDouble("frac").value_or(0), 3.5);
  EXPECT_DOUBLE_EQ(cfg->GetDouble("d_str").value_or(0), 0.25);
  EXPECT_DOUBLE_EQ(cfg->GetDouble("i").value_or(0), 42.0);
  EXPECT_EQ(cfg->GetString("i").value_or(""), "42");
  EXPECT_EQ(cfg->GetString("frac").value_or(""), "3.5");
  EXPECT_TRUE(cfg->GetBool("b1").value_or(false));
  EXPECT_FALSE(cfg->GetBool("b2").value_or(true));
  EXPECT_TRUE(cfg->GetBool("b3").value_or(false));
  EXPECT_THAT(cfg->GetBool("b4").status().message(), HasSubstr("expected a bool"));
  EXPECT_FALSE(cfg->GetInt("big").ok());

  // Get<T> range-checks narrower integers.
  EXPECT_EQ(cfg->Get<uint16_t>("small").value_or(0), 300);
  auto narrow = cfg->Get<int8_t>("small");
  ASSERT_FALSE(narrow.ok());
  EXPECT_THAT(narrow.status().message(), HasSubstr("small: 300 is out of range (from default)"));
  EXPECT_EQ(cfg->GetOr<std::string>("i", "x"), "42");
  EXPECT_EQ(cfg->GetOr("nope", "fallback"), "fallback");
  EXPECT_EQ(cfg->GetOr("nope", std::chrono::seconds(3)), std::chrono::seconds(3));
}

TEST(ConfigGetters, Durations) {
  auto cfg = MustLoad({
      .defaults = {{"ms", "250ms"},
                   {"s", "2s"},
                   {"m", "1m"},
                   {"h", "1h30m"},
                   {"frac", "1.5s"},
                   {"bare", 500},
                   {"bare_str", "750"},
                   {"bad_unit", "5d"},
                   {"negative", "-1s"},
                   {"junk", "soon"}},
      .env_prefix = "",
  });
  ASSERT_TRUE(cfg);
  EXPECT_EQ(*cfg->GetDuration("ms"), milliseconds(250));
  EXPECT_EQ(*cfg->GetDuration("s"), milliseconds(2000));
  EXPECT_EQ(*cfg->GetDuration("m"), milliseconds(60'000));
  EXPECT_EQ(*cfg->GetDuration("h"), milliseconds(5'400'000));
  EXPECT_EQ(*cfg->GetDuration("frac"), milliseconds(1500));
  EXPECT_EQ(*cfg->GetDuration("bare"), milliseconds(500));
  EXPECT_EQ(*cfg->GetDuration("bare_str"), milliseconds(750));
  EXPECT_EQ(cfg->Get<std::chrono::seconds>("m").value_or(std::chrono::seconds(0)),
            std::chrono::seconds(60));
  for (const char* key : {"bad_unit", "negative", "junk"}) {
    auto d = cfg->GetDuration(key);
    ASSERT_FALSE(d.ok()) << key;
    EXPECT_THAT(d.status().message(), HasSubstr("expected a duration")) << key;
    EXPECT_THAT(d.status().message(), HasSubstr("(from default)")) << key;
  }
}

TEST(ConfigGetters, ListsAndMapsFromYaml) {
  TempDir dir;
  std::string file = dir.File("app.yaml");
  WriteInPlace(file, R"(
registry:
  addrs:
    - 10.0.0.1:2379
    - 10.0.0.2:2379
  ports: [1, 2]
  metadata:
    zone: eu-1
    weight: 10
  nested:
    deep: {x: 1}
peers:
  - host: a
    port: 1
  - host: b
    port: 2
)");
  ScopedEnv tags("MICRO_SERVER_TAGS", "blue, green,,canary");
  ScopedEnv labels("MICRO_SERVER_LABELS", "team=core, tier = gold");
  auto cfg = MustLoad({.file = file});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetStringList("registry.addrs").value_or({}),
            (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));
  EXPECT_EQ(cfg->GetStringList("registry.ports").value_or({}),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(cfg->GetStringMap("registry.metadata").value_or({}),
            (std::map<std::string, std::string>{{"zone", "eu-1"}, {"weight", "10"}}));
  EXPECT_THAT(cfg->GetStringMap("registry").status().message(),
              HasSubstr("registry: expected a map of strings, got a map"));
  EXPECT_EQ(cfg->GetStringList("server.tags").value_or({}),
            (std::vector<std::string>{"blue", "green", "canary"}));
  EXPECT_EQ(cfg->GetStringMap("server.labels").value_or({}),
            (std::map<std::string, std::string>{{"team", "core"}, {"tier", "gold"}}));
  // A numeric segment indexes a list.
  EXPECT_EQ(cfg->GetString("peers.1.host").value_or(""), "b");
  EXPECT_EQ(cfg->SourceOf("peers.1.host"), "file:" + file);
  auto peers = cfg->GetValue("peers");
  ASSERT_TRUE(peers.ok());
  ASSERT_TRUE(peers->is_list());
  EXPECT_EQ(peers->as_list().size(), 2u);
}

TEST(ConfigLoad, JsonFileByExtensionAndByContent) {
  TempDir dir;
  const std::string json = R"({
    // comments are allowed
    "server": {"port": 9090, "tls": false, "ratio": 0.5, "tags": ["a", "b"]},
    "log.level": "debug"
  })";
  for (const std::string name : {"app.json", "app.conf"}) {
    std::string file = dir.File(name);
    WriteInPlace(file, json);
    auto cfg = MustLoad({.file = file, .env_prefix = ""});
    ASSERT_TRUE(cfg) << name;
    EXPECT_EQ(cfg->GetInt("server.port").value_or(0), 9090) << name;
    EXPECT_FALSE(cfg->GetBool("server.tls").value_or(true)) << name;
    EXPECT_DOUBLE_EQ(cfg->GetDouble("server.ratio").value_or(0), 0.5) << name;
    EXPECT_EQ(cfg->GetStringList("server.tags").value_or({}).size(), 2u) << name;
    EXPECT_EQ(cfg->GetString("log.level").value_or(""), "debug") << name;
  }
}

TEST(ConfigDump, IsTheEffectiveConfigAsJson) {
  auto cfg = MustLoad({.defaults = {{"server.port", 8080}, {"server.host", "h"}},
                       .env_prefix = "",
                       .args = {"--server.port=1"}});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->Dump(), "{\n  \"server\": {\n    \"host\": \"h\",\n    \"port\": \"1\"\n  }\n}");
  EXPECT_EQ(cfg->Keys(), (std::vector<std::string>{"server.host", "server.port"}));
}

// A plugin source chosen by URL scheme: "testkv:///name?key=value&..." serves its query.
Result<std::unique_ptr<Source>> NewTestKvSource(const Url& url) {
  auto source = std::make_unique<FakeSource>(url.ToString());
  Value::Map root;
  for (const auto& [k, v] : url.query) root[k] = v;
  source->Set(root);
  return std::unique_ptr<Source>(std::move(source));
}

TEST(ConfigLoad, RemoteSourcesArePluginsAboveFlags) {
  (void)SourcePlugins().Register("testkv", NewTestKvSource);  // may already be registered
  auto cfg = MustLoad({.defaults = {{"port", 1}, {"name", "d"}},
                       .env_prefix = "",
                       .args = {"--port=2"},
                       .remote = {"testkv:///svc?port=3"}});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("port").value_or(0), 3);
  EXPECT_EQ(cfg->SourceOf("port"), "testkv:///svc?port=3");
  EXPECT_EQ(cfg->GetString("name").value_or(""), "d");

  auto unknown = Config::Load({.remote = {"nosuch://127.0.0.1:1"}, .watch = false});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown config source scheme 'nosuch://'"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("file"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("testkv"));
}

TEST(ConfigLoad, FileIsAlsoAPlugin) {
  TempDir dir;
  std::string file = dir.File("extra.yaml");
  WriteInPlace(file, "a: 5\n");
  auto cfg = MustLoad({.env_prefix = "", .remote = {"file://" + file}});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->GetInt("a").value_or(0), 5);
  EXPECT_EQ(cfg->SourceOf("a"), "file:" + file);
}

struct Fixture {
  std::shared_ptr<FakeSource> source = std::make_shared<FakeSource>("fake");
  std::unique_ptr<Config> cfg;

  Fixture() {
    source->Set(Value::Map{{"limits", Value::Map{{"qps", 100}, {"burst", 10}}}, {"name", "a"}});
    auto loaded = Config::Load({.env_prefix = "", .sources = {source}});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (loaded.ok()) cfg = std::move(loaded).value();
  }
};

TEST(ConfigWatch, CallbacksFireForChangedKeysOnly) {
  Fixture f;
  ASSERT_TRUE(f.cfg);
  ASSERT_TRUE(f.source->watched());
  std::vector<int64_t> qps_seen;
  int limits_calls = 0, name_calls = 0, any_calls = 0;
  f.cfg->Watch("limits.qps", [&](const Config& c) { qps_seen.push_back(*c.GetInt("limits.qps")); });
  f.cfg->Watch("limits", [&](const Config&) { ++limits_calls; });
  f.cfg->Watch("name", [&](const Config&) { ++name_calls; });
  f.cfg->Watch("", [&](const Config&) { ++any_calls; });

  f.source->Set(Value::Map{{"limits", Value::Map{{"qps", 200}, {"burst", 10}}}, {"name", "a"}});
  f.source->Fire();  // reloads on this thread; callbacks have run when it returns
  EXPECT_EQ(qps_seen, std::vector<int64_t>{200});
  EXPECT_EQ(limits_calls, 1);
  EXPECT_EQ(name_calls, 0);
  EXPECT_EQ(any_calls, 1);

  f.source->Set(Value::Map{{"limits", Value::Map{{"qps", 200}, {"burst", 20}}}, {"name", "a"}});
  f.source->Fire();
  EXPECT_EQ(qps_seen.size(), 1u);
  EXPECT_EQ(limits_calls, 2);

  f.source->Fire();  // nothing changed: no callbacks
  EXPECT_EQ(limits_calls, 2);
  EXPECT_EQ(any_calls, 2);
}

TEST(ConfigWatch, UnwatchStopsCallbacks) {
  Fixture f;
  ASSERT_TRUE(f.cfg);
  int calls = 0;
  uint64_t handle = f.cfg->Watch("name", [&](const Config&) { ++calls; });
  f.source->Set(Value::Map{{"name", "b"}});
  f.source->Fire();
  EXPECT_EQ(calls, 1);
  f.cfg->Unwatch(handle);
  f.source->Set(Value::Map{{"name", "c"}});
  f.source->Fire();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f.cfg->GetString("name").value_or(""), "c");
}

TEST(ConfigWatch, CallbackMayUnwatchItselfButNotReload) {
  Fixture f;
  ASSERT_TRUE(f.cfg);
  int calls = 0;
  Status reload_inside;
  uint64_t handle = 0;
  handle = f.cfg->Watch("name", [&](const Config& c) {
    ++calls;
    reload_inside = const_cast<Config&>(c).Reload();
    f.cfg->Unwatch(handle);
  });
  f.source->Set(Value::Map{{"name", "b"}});
  f.source->Fire();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(reload_inside.code(), StatusCode::kFailedPrecondition);
  f.source->Set(Value::Map{{"name", "c"}});
  f.source->Fire();
  EXPECT_EQ(calls, 1);
}

TEST(ConfigReload, AFailingLayerKeepsItsLastGoodValues) {
  Fixture f;
  ASSERT_TRUE(f.cfg);
  f.source->Fail(Status::Unavailable("fake is down"));
  Status s = f.cfg->Reload();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "fake: fake is down");
  EXPECT_EQ(f.cfg->LastReloadStatus(), s);
  EXPECT_EQ(f.cfg->GetInt("limits.qps").value_or(0), 100);

  f.source->Set(Value::Map{{"name", "back"}});
  EXPECT_TRUE(f.cfg->Reload().ok());
  EXPECT_TRUE(f.cfg->LastReloadStatus().ok());
  EXPECT_EQ(f.cfg->GetString("name").value_or(""), "back");
  EXPECT_FALSE(f.cfg->GetInt("limits.qps").ok());
}

TEST(ConfigReload, DestroyingTheConfigStopsSourceWatches) {
  auto source = std::make_shared<FakeSource>("fake");
  {
    auto cfg = Config::Load({.env_prefix = "", .sources = {source}});
    ASSERT_TRUE(cfg.ok());
    EXPECT_TRUE(source->watched());
  }
  EXPECT_FALSE(source->watched());
  source->Fire();  // must not touch the destroyed Config
}

}  // namespace
}  // namespace micro::config
