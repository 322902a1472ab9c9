// Text helpers of the log renderers: JSON string escaping that yields valid JSON for any
// bytes, and the scrubbing of secrets out of free text.
#pragma once

#include <string>
#include <string_view>

namespace micro::log::internal {

inline constexpr std::string_view kRedacted = "[REDACTED]";

enum class Escape {
  // The inside of a JSON string: '"', '\\' and control characters escaped as JSON does.
  kJson,
  // Console text: only control characters escaped, so that a line stays one line.
  kConsole,
};

// Appends `s` escaped per `mode`. Valid UTF-8 is copied as is; every byte that is not part
// of a valid UTF-8 sequence becomes the four characters \xHH (in JSON: the escaped
// backslash, so the string still parses and the byte's value stays readable).
void AppendEscaped(std::string& out, std::string_view s, Escape mode);

// True when values under `key` must not be written: the key, lower-cased and without
// '-', '_', '.' and spaces, ends with one of authorization, token, password, passwd,
// secret, apikey, cookie, privatekey, credential(s). So "db_password", "X-Api-Key",
// "Set-Cookie" and "access_token" are secret; "tokens_used" is not.
bool IsSecretKey(std::string_view key);

// Free text with secrets in it. Becomes [REDACTED]: every "enc(...)" (an encrypted config
// value); the credentials after "Bearer " (any case); the password of a URL
// ("redis://user:[REDACTED]@host"); the value after a secret key (IsSecretKey) followed by
// '=' or ':' ("password=x", "token: x", "\"api_key\":\"x\"", "Authorization: Basic x").
// Returns false when there was nothing to scrub (the common case: no copy is made); else
// writes the scrubbed text to `out`.
bool ScrubSecrets(std::string_view s, std::string& out);

}  // namespace micro::log::internal
