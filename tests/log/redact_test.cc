// Secrets never reach a log line: secret-looking keys, enc(...) config values, bearer
// tokens, URL passwords and key=value pairs in free text.
#include <gtest/gtest.h>

#include <micro/log/log.h>

#include "capture_sink.h"

namespace micro::log {
namespace {

using testing::Capture;

constexpr char kSecret[] = "s3cr3t-VALUE-9f8e";

TEST(Redact, EveryFormOfASecretKeyIsRedacted) {
  for (Format format : {Format::kJson, Format::kConsole}) {
    auto sink = Capture(Level::kInfo, format);
    const char* keys[] = {"authorization", "Authorization", "proxy-authorization",
                          "token",         "access_token",  "X-Auth-Token",
                          "refreshToken",  "password",      "PASSWORD",
                          "db_password",   "db.password",   "passwd",
                          "secret",        "client_secret", "ClientSecret",
                          "api_key",       "api-key",       "X-API-KEY",
                          "apikey",        "cookie",        "Cookie",
                          "set-cookie",    "Set-Cookie",    "private_key",
                          "credentials"};
    for (const char* key : keys) {
      MICRO_LOG_INFO({}, "m", {key, kSecret});
      MICRO_LOG_INFO({}, "m", {key, 12345678});
      MICRO_LOG_INFO({}, "m", {key, Status::Unauthenticated(kSecret)});
    }
    std::string text = sink->Text();
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find("12345678"), std::string::npos) << text;
    if (format == Format::kJson) {
      auto lines = sink->Json();
      ASSERT_EQ(lines.size(), 3 * std::size(keys));
      for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i][keys[i / 3]], "[REDACTED]") << lines[i];
      }
    }
  }
}

TEST(Redact, KeysThatOnlyContainASecretWordAreKept) {
  auto sink = Capture();
  MICRO_LOG_INFO({}, "m", {"tokens_used", 5}, {"password_changed_at", "yesterday"},
                 {"secretary", "ann"}, {"cookies_enabled", true});
  auto j = sink->Json().at(0);
  EXPECT_EQ(j["tokens_used"], 5);
  EXPECT_EQ(j["password_changed_at"], "yesterday");
  EXPECT_EQ(j["secretary"], "ann");
  EXPECT_EQ(j["cookies_enabled"], true);
}

TEST(Redact, EncryptedConfigValuesAreNeverPrinted) {
  for (Format format : {Format::kJson, Format::kConsole}) {
    auto sink = Capture(Level::kInfo, format);
    std::string enc = "enc(AES256:Zm9vYmFyYmF6cXV4)";
    MICRO_LOG_INFO({}, "m", {"dsn", enc});
    MICRO_LOG_INFO({}, "db.dsn: expected an integer, got \"" + enc + "\"");
    MICRO_LOG_INFO({}, "m", {"list", "a," + enc + ",b"});
    MICRO_LOG_INFO({}, "m", {"unterminated", "enc(Zm9vYmFy"});
    std::string text = sink->Text();
    EXPECT_EQ(text.find("Zm9v"), std::string::npos) << text;
    if (format == Format::kJson) {
      auto j = sink->Json();
      EXPECT_EQ(j[0]["dsn"], "[REDACTED]");
      EXPECT_EQ(j[1]["msg"], "db.dsn: expected an integer, got \"[REDACTED]\"");
      EXPECT_EQ(j[2]["list"], "a,[REDACTED],b");
      EXPECT_EQ(j[3]["unterminated"], "[REDACTED]");
    }
  }
}

TEST(Redact, CredentialsInFreeTextAreScrubbed) {
  auto sink = Capture();
  struct Case {
    std::string in, out;
  } cases[] = {
      {"call failed: Authorization: Bearer eyJhbGciOi.x.y",
       "call failed: Authorization: [REDACTED]"},
      {"sent bearer abc.def to upstream", "sent bearer [REDACTED] to upstream"},
      {"authorization: Basic dXNlcjpwYXNz", "authorization: [REDACTED]"},
      {"dial redis://app:hunter2@10.0.0.5:6379/0 failed",
       "dial redis://app:[REDACTED]@10.0.0.5:6379/0 failed"},
      {"login password=hunter2 user=ann", "login password=[REDACTED] user=ann"},
      {"GET /cb?code=1&access_token=abc&x=2", "GET /cb?code=1&access_token=[REDACTED]&x=2"},
      {R"(body {"user":"ann","password":"hunter2"})",
       R"(body {"user":"ann","password":"[REDACTED]"})"},
      {"db_password: 'hunter two'", "db_password: '[REDACTED]'"},
      {"plain text, at 12:30:45, ratio=3", "plain text, at 12:30:45, ratio=3"},
      {"see http://example.com/a?b=c", "see http://example.com/a?b=c"},
  };
  for (const auto& c : cases) MICRO_LOG_INFO({}, c.in, {"detail", c.in});
  auto j = sink->Json();
  ASSERT_EQ(j.size(), std::size(cases));
  for (size_t i = 0; i < j.size(); ++i) {
    EXPECT_EQ(j[i]["msg"], cases[i].out);
    EXPECT_EQ(j[i]["detail"], cases[i].out);
  }
}

}  // namespace
}  // namespace micro::log
