// Asserts an HTTP error answer as micro writes them: the status, a JSON body whose `code`
// is the gRPC code name, and a `message` that mentions `what`.
//
//   micro::testing::ExpectJsonError(response, 400, "INVALID_ARGUMENT", "ttl");
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/http/http.h>

namespace micro::testing {

inline void ExpectJsonError(const http::ClientResponse& r, int status, const std::string& code,
                            const std::string& what) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
  auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body.value("code", ""), code) << r.body;
  EXPECT_NE(body.value("message", "").find(what), std::string::npos)
      << "message should mention '" << what << "': " << r.body;
}

}  // namespace micro::testing
