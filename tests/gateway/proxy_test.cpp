// Header rewriting towards the backend (SP-5, RFC 9110 §7.6.1).
#include <doctest/doctest.h>

#include "gateway/proxy/rewrite.hpp"

namespace http = boost::beast::http;

TEST_CASE("the client's X-Device-ID is replaced by the gateway's, however it is spelled") {
  gw::proxy::Request in(http::verb::post, "/api/x?y=1", 11);
  in.insert("X-Device-ID", "admin");
  in.insert("x-device-id", "root");
  in.insert("X-DEVICE-ID", "other");
  in.body() = "payload";
  const auto out = gw::proxy::to_backend(in, "dev-1", "10.0.0.1", "backend:80");
  CHECK(out.count("X-Device-ID") == 1);
  CHECK(out["X-Device-ID"] == "dev-1");
  CHECK(out.target() == "/api/x?y=1");
  CHECK(out.method() == http::verb::post);
  CHECK(out.body() == "payload");
  CHECK(out[http::field::host] == "backend:80");
}

TEST_CASE("X-Forwarded-For is appended, Authorization and hop-by-hop headers dropped") {
  gw::proxy::Request in(http::verb::get, "/api/x", 11);
  in.insert(http::field::authorization, "Bearer abc");
  in.insert("X-Forwarded-For", "1.2.3.4");
  in.insert(http::field::connection, "keep-alive, X-Custom-Hop");
  in.insert("X-Custom-Hop", "1");
  in.insert(http::field::keep_alive, "timeout=5");
  in.insert(http::field::te, "trailers");
  in.insert(http::field::upgrade, "websocket");
  in.insert(http::field::proxy_authorization, "Basic x");
  in.insert("X-Keep", "yes");
  const auto out = gw::proxy::to_backend(in, "d", "10.0.0.1", "b:1");
  CHECK(out["X-Forwarded-For"] == "1.2.3.4, 10.0.0.1");
  for (const char* gone :
       {"Authorization", "X-Custom-Hop", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization"}) {
    CHECK_MESSAGE(out.count(gone) == 0, gone);
  }
  CHECK(out["X-Keep"] == "yes");
}

TEST_CASE("hop-by-hop headers of the backend's response are removed") {
  gw::proxy::Response res(http::status::ok, 11);
  res.set(http::field::connection, "close, X-Internal");
  res.set("X-Internal", "secret");
  res.set(http::field::transfer_encoding, "chunked");
  res.set("X-App", "1");
  res.body() = "abc";
  gw::proxy::clean_response(res);
  CHECK(res.count("X-Internal") == 0);
  CHECK(res.count(http::field::transfer_encoding) == 0);
  CHECK(res[http::field::content_length] == "3");
  CHECK(res["X-App"] == "1");
}
