// SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy/rewrite.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/http/field.hpp>
#include <vector>

#include "x509/names.hpp"

namespace gw::proxy {
namespace {

using http::field;

constexpr field kHopByHop[] = {field::connection,        field::keep_alive,
                               field::proxy_connection,  field::te,
                               field::trailer,           field::transfer_encoding,
                               field::upgrade,           field::proxy_authorization,
                               field::proxy_authenticate};

// Folded names (see fold_header_name) a client never gets through.
constexpr std::array<std::string_view, 20> kReserved = {
    // set by the gateway
    "x-device-id", "x-forwarded-for", "x-forwarded-proto", "host",
    // identity conventionally set by reverse proxies; a backend may trust any of them
    "forwarded", "x-real-ip", "x-client-ip",
    // framing and credentials the gateway owns (the body is buffered: no Expect)
    "content-length", "transfer-encoding", "expect", "authorization",
    // hop-by-hop (RFC 9110 §7.6.1)
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    "proxy-authorization", "proxy-authenticate", "http2-settings"};
constexpr std::array<std::string_view, 4> kReservedPrefixes = {"x-forwarded-", "x-client-cert",
                                                               "x-ssl-client", "x-device-id"};

// Folded names listed in Connection headers: hop-by-hop too.
template <class Fields>
std::vector<std::string> connection_listed(const Fields& f) {
  std::vector<std::string> listed;
  for (const auto& h : f) {
    if (h.name() != field::connection) continue;
    std::string_view v = h.value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      std::string_view tok = v.substr(0, comma);
      while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (!tok.empty()) listed.push_back(fold_header_name(tok));
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return listed;
}

}  // namespace

std::string fold_header_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return out;
}

bool reserved_header(std::string_view folded) {
  if (std::find(kReserved.begin(), kReserved.end(), folded) != kReserved.end()) return true;
  return std::any_of(kReservedPrefixes.begin(), kReservedPrefixes.end(),
                     [&](std::string_view p) { return folded.starts_with(p); });
}

Request to_backend(const Request& in, std::string_view device_id, std::string_view client_ip,
                   std::string_view backend_host) {
  Request out;
  out.version(11);
  out.method_string(in.method_string());  // also an extension method (verb::unknown)
  out.target(in.target());
  const std::vector<std::string> listed = connection_listed(in);
  for (const auto& h : in) {
    const std::string folded = fold_header_name(h.name_string());
    if (reserved_header(folded)) continue;
    if (std::find(listed.begin(), listed.end(), folded) != listed.end()) continue;
    out.insert(h.name_string(), h.value());
  }
  out.set("X-Forwarded-For", client_ip);
  out.set("X-Forwarded-Proto", "https");
  if (pki::x509::is_valid_device_id(device_id)) out.set("X-Device-ID", device_id);
  out.set(field::host, backend_host);
  out.body() = in.body();
  return out;
}

void clean_response(Response& res) {
  for (const auto& name : connection_listed(res)) res.erase(name);
  for (const field name : kHopByHop) res.erase(name);
  res.erase(field::content_length);
  res.prepare_payload();
}

}  // namespace gw::proxy
