// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small builders for the gateway's own responses (JSON bodies, RFC 6750 challenges).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>
#include <string_view>

namespace gw::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

[[nodiscard]] Response json_response(bhttp::status status, const nlohmann::json& body);

// 401 for /auth/token refusals; `code` is the audit event name.
[[nodiscard]] Response unauthorized(std::string_view code);
// 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3) for /api/*.
[[nodiscard]] Response invalid_token(std::string_view code);
// 503 with Retry-After, for fail-closed states (stale CRL).
[[nodiscard]] Response unavailable(std::string_view code, int retry_after_seconds);
[[nodiscard]] Response error(bhttp::status status, std::string_view code);

// What the session knows about the request a response answers.
struct Finish {
  unsigned version = 11;
  bool head = false;        // a HEAD request: no body, Content-Length of the GET answer
  bool keep_alive = false;  // false writes Connection: close
  std::string_view hsts;    // Strict-Transport-Security value; empty sends none
};
// The last touches every response of the main listener gets, errors and proxied
// responses alike (RFC 6797 §7.1: HSTS on every response over the secure transport).
void finish(Response& res, const Finish& f);

}  // namespace gw::http
