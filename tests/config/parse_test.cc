// ParseDocument: how YAML and JSON files become a Value tree, and how bad ones fail.
#include <micro/config/parse.h>

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace micro::config {
namespace {

using ::testing::HasSubstr;

Value MustParse(std::string_view text, Format format = Format::kAuto) {
  auto v = ParseDocument(text, format);
  EXPECT_TRUE(v.ok()) << v.status() << "\n" << text;
  return v.ok() ? std::move(v).value() : Value();
}

TEST(ParseYaml, PlainScalarsAreTypedQuotedOnesStayStrings) {
  Value v = MustParse(R"(
int: 8080
negative: -12
hex: 0x1F
octal: 0o17
float: 0.5
exp: 1e3
inf: .inf
yes_word: yes
bool: true
null_value: ~
empty:
quoted_int: "8080"
single_quoted_bool: 'true'
text: hello world
version: 1.2.3
huge: 99999999999999999999
)");
  EXPECT_EQ(*v.Find("int"), Value(8080));
  EXPECT_EQ(*v.Find("negative"), Value(-12));
  EXPECT_EQ(*v.Find("hex"), Value(31));
  EXPECT_EQ(*v.Find("octal"), Value(15));
  EXPECT_EQ(*v.Find("float"), Value(0.5));
  EXPECT_EQ(*v.Find("exp"), Value(1000.0));
  EXPECT_TRUE(std::isinf(v.Find("inf")->as_double()));
  EXPECT_EQ(*v.Find("yes_word"), Value("yes"));  // YAML 1.2: only true/false are bools
  EXPECT_EQ(*v.Find("bool"), Value(true));
  EXPECT_TRUE(v.Find("null_value")->is_null());
  EXPECT_TRUE(v.Find("empty")->is_null());
  EXPECT_EQ(*v.Find("quoted_int"), Value("8080"));
  EXPECT_EQ(*v.Find("single_quoted_bool"), Value("true"));
  EXPECT_EQ(*v.Find("text"), Value("hello world"));
  EXPECT_EQ(*v.Find("version"), Value("1.2.3"));
  EXPECT_EQ(*v.Find("huge"), Value("99999999999999999999"));
}

TEST(ParseYaml, DottedKeysNestAndMerge) {
  Value v = MustParse("server.port: 80\nserver:\n  host: h\nserver.tls.enabled: true\n");
  EXPECT_EQ(*v.Find("server.port"), Value(80));
  EXPECT_EQ(*v.Find("server.host"), Value("h"));
  EXPECT_EQ(*v.Find("server.tls.enabled"), Value(true));
}

TEST(ParseYaml, ListsMapsAndAnchors) {
  Value v = MustParse(R"(
base: &base {timeout: 2s, retries: 3}
svc: *base
peers:
  - {host: a, port: 1}
  - [x, y]
)");
  EXPECT_EQ(*v.Find("svc.retries"), Value(3));
  EXPECT_EQ(*v.Find("peers.0.host"), Value("a"));
  EXPECT_EQ(*v.Find("peers.1.1"), Value("y"));
  EXPECT_EQ(v.Find("peers.2"), nullptr);
  EXPECT_EQ(v.Find("peers.x"), nullptr);
  EXPECT_EQ(v.Find("peers."), nullptr);
}

TEST(ParseYaml, EmptyDocumentIsAnEmptyMap) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n"}) {
    Value v = MustParse(text, Format::kYaml);
    ASSERT_TRUE(v.is_map()) << text;
    EXPECT_TRUE(v.as_map().empty()) << text;
  }
}

TEST(ParseYaml, ErrorsSayWhere) {
  auto bad = ParseDocument("a: 1\nb: [1, 2\n", Format::kYaml);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("line "));
  EXPECT_THAT(bad.status().message(), HasSubstr("column "));

  EXPECT_THAT(ParseDocument("- a\n- b\n").status().message(), HasSubstr("top level"));
  EXPECT_THAT(ParseDocument("just a string").status().message(), HasSubstr("top level"));
  EXPECT_THAT(ParseDocument("a: 1\n---\nb: 2\n").status().message(),
              HasSubstr("one YAML document"));
  EXPECT_THAT(ParseDocument("? [a]\n: 1\n").status().message(), HasSubstr("scalars"));
  auto empty_segment = ParseDocument("a..b: 1\n");
  ASSERT_FALSE(empty_segment.ok());
  EXPECT_THAT(empty_segment.status().message(), HasSubstr("line 1"));
  EXPECT_THAT(empty_segment.status().message(), HasSubstr("a..b"));
}

TEST(ParseYaml, MalformedInputThatLoopsYamlCppLoadAllEndsPromptly) {
  // yaml-cpp 0.7's LoadAll() loops forever, allocating, on this (upstream PR #1319).
  auto v = ParseDocument("\n,\n    ", Format::kYaml);
  EXPECT_FALSE(v.ok());
}

TEST(ParseYaml, DeepNestingAndAliasBombsAreRejected) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  EXPECT_FALSE(ParseDocument("a: " + deep + "\n", Format::kYaml).ok());

  // Each level refers to the previous one ten times: 10^8 nodes if expanded.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  auto v = ParseDocument(bomb, Format::kYaml);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(), HasSubstr("nodes"));
}

TEST(ParseJson, TypesAndComments) {
  Value v = MustParse(R"({"a": 1, "b": 2.5, "c": "s", "d": [true, null], "e": {"f": -3},
                          /* block */ "big": 18446744073709551615 // line
                         })");
  EXPECT_EQ(*v.Find("a"), Value(1));
  EXPECT_EQ(*v.Find("b"), Value(2.5));
  EXPECT_EQ(*v.Find("c"), Value("s"));
  EXPECT_EQ(*v.Find("d.0"), Value(true));
  EXPECT_TRUE(v.Find("d.1")->is_null());
  EXPECT_EQ(*v.Find("e.f"), Value(-3));
  EXPECT_EQ(v.Find("big")->kind(), Value::Kind::kDouble);
}

TEST(ParseJson, Errors) {
  auto bad = ParseDocument("{\"a\": 1,\n \"b\": }", Format::kJson);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(bad.status().message(), ::testing::Not(HasSubstr("json.exception")));
  EXPECT_THAT(ParseDocument("[1]", Format::kJson).status().message(), HasSubstr("top level"));
  std::string deep = "{\"a\": ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  EXPECT_THAT(ParseDocument(deep).status().message(), HasSubstr("deeper"));
  EXPECT_FALSE(ParseDocument("{\"\": 1}").ok());
}

TEST(ParseFormat, FromPath) {
  EXPECT_EQ(FormatFromPath("/etc/app.yaml"), Format::kYaml);
  EXPECT_EQ(FormatFromPath("app.YML"), Format::kYaml);
  EXPECT_EQ(FormatFromPath("app.json"), Format::kJson);
  EXPECT_EQ(FormatFromPath("app.conf"), Format::kAuto);
  // Auto: JSON when it opens with '{'.
  EXPECT_EQ(*MustParse("  {\"a\": 1}").Find("a"), Value(1));
  EXPECT_EQ(*MustParse("a: {b: 1}").Find("a.b"), Value(1));
}

TEST(Value, ToStringAndJson) {
  Value v =
      Value::Map{{"s", "x"}, {"i", 1}, {"d", 0.5}, {"l", Value::List{1, "a"}}, {"n", Value()}};
  EXPECT_EQ(v.Find("s")->ToString(), "x");
  EXPECT_EQ(v.Find("i")->ToString(), "1");
  EXPECT_EQ(v.Find("d")->ToString(), "0.5");
  EXPECT_EQ(v.Find("l")->ToString(), "[1,\"a\"]");
  EXPECT_EQ(v.Find("n")->ToString(), "");
  EXPECT_EQ(v.ToJson(), R"({"d":0.5,"i":1,"l":[1,"a"],"n":null,"s":"x"})");
}

}  // namespace
}  // namespace micro::config
