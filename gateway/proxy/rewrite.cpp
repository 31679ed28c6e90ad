#include "gateway/proxy/rewrite.hpp"

#include <boost/beast/http/field.hpp>
#include <string>
#include <vector>

namespace gw::proxy {
namespace {

using http::field;

constexpr field kHopByHop[] = {field::connection,        field::keep_alive,
                               field::proxy_connection,  field::te,
                               field::trailer,           field::transfer_encoding,
                               field::upgrade,           field::proxy_authorization,
                               field::proxy_authenticate};

template <class Fields>
void strip_hop_by_hop(Fields& f) {
  // Names listed in Connection are hop-by-hop too (RFC 9110 §7.6.1).
  std::vector<std::string> listed;
  for (const auto& h : f) {
    if (h.name() != field::connection) continue;
    std::string_view v = h.value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      std::string_view tok = v.substr(0, comma);
      while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (!tok.empty()) listed.emplace_back(tok);
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  for (const auto& name : listed) f.erase(name);
  for (const field name : kHopByHop) f.erase(name);
}

}  // namespace

Request to_backend(const Request& in, std::string_view device_id, std::string_view client_ip,
                   std::string_view backend_host) {
  Request out(in.method(), in.target(), 11);
  for (const auto& h : in) out.insert(h.name_string(), h.value());
  strip_hop_by_hop(out);
  out.erase("X-Device-ID");
  out.erase(field::authorization);
  out.erase(field::host);
  out.erase(field::content_length);
  std::string xff(in["X-Forwarded-For"]);
  xff = xff.empty() ? std::string(client_ip) : xff + ", " + std::string(client_ip);
  out.set("X-Forwarded-For", xff);
  out.set("X-Forwarded-Proto", "https");
  out.set("X-Device-ID", device_id);
  out.set(field::host, backend_host);
  out.body() = in.body();
  return out;
}

void clean_response(Response& res) {
  strip_hop_by_hop(res);
  res.erase(field::content_length);
  res.prepare_payload();
}

}  // namespace gw::proxy
