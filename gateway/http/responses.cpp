// SPDX-License-Identifier: Apache-2.0
#include "gateway/http/responses.hpp"

namespace gw::http {

Response json_response(bhttp::status status, const nlohmann::json& body) {
  Response res(status, 11);
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = body.dump() + "\n";
  res.prepare_payload();
  return res;
}

Response unauthorized(std::string_view code) {
  return json_response(bhttp::status::unauthorized, {{"error", "unauthorized"}, {"code", code}});
}

Response invalid_token(std::string_view code) {
  Response res =
      json_response(bhttp::status::unauthorized, {{"error", "invalid_token"}, {"code", code}});
  res.set(bhttp::field::www_authenticate, "Bearer error=\"invalid_token\"");
  return res;
}

Response unavailable(std::string_view code, int retry_after_seconds) {
  Response res =
      json_response(bhttp::status::service_unavailable, {{"error", "unavailable"}, {"code", code}});
  res.set(bhttp::field::retry_after, std::to_string(retry_after_seconds));
  return res;
}

Response error(bhttp::status status, std::string_view code) {
  return json_response(status, {{"error", code}});
}

void finish(Response& res, const Finish& f) {
  res.version(f.version);
  // The gateway's policy replaces a backend's own; with hsts = "" it adds none.
  if (!f.hsts.empty()) res.set(bhttp::field::strict_transport_security, f.hsts);
  if (f.head) {
    res.prepare_payload();
    res.body().clear();  // Content-Length stays: it describes the GET answer
  }
  res.keep_alive(f.keep_alive);
}

}  // namespace gw::http
