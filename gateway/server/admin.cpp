#include "gateway/server/admin.hpp"

#include <algorithm>
#include <cctype>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "gateway/revocation/chain.hpp"

namespace gw::server {
namespace {

namespace ev = audit::event;
namespace bhttp = boost::beast::http;
using bhttp::status;

http::Response deny(Services& svc, const Client& c, std::string reason) {
  audit::Record r;
  r.event = ev::kAdminDenied;
  r.remote_ip = c.ip;
  if (c.peer.has_cert) {
    r.device_id = c.peer.device_id;
    r.serial = c.peer.serial;
  }
  r.reason = std::move(reason);
  svc.fail(std::move(r));
  return http::error(status::forbidden, "ADMIN_DENIED");
}

// Uppercase hex without separators, 1..40 digits (RFC 5280 §4.1.2.2: at most 20 octets).
std::optional<std::string> normalize_serial(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  if (s.empty() || s.size() > 40) return std::nullopt;
  for (char& ch : s) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return std::nullopt;
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const auto first = s.find_first_not_of('0');  // as openssl prints it: no leading zeros
  s = first == std::string::npos ? "00" : s.substr(first);
  if (s.size() % 2 != 0) s.insert(0, "0");
  return s;
}

bool printable(const std::string& s, std::size_t max) {
  return s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f; });
}

}  // namespace

http::Response admin(Services& svc, const Snapshot& snap, http::Request& req, const Client& c) {
  const std::string_view path = req.target().substr(0, req.target().find('?'));
  if (path != "/admin/revoke" && path != "/admin/deny-jti") {
    return http::error(status::not_found, "not found");
  }
  if (!c.peer.has_cert) return deny(svc, c, "no client certificate");
  const auto& ous = c.peer.ous;
  if (std::find(ous.begin(), ous.end(), svc.cfg.trust.admin_ou) == ous.end()) {
    return deny(svc, c, "subject OU is not the admin OU");
  }
  const auto chain = revocation::check_chain(*snap.crls, c.peer.chain);
  if (chain.status != revocation::RevocationSet::Status::good) return deny(svc, c, chain.reason);
  if (svc.deny.serial_denied(c.peer.serial)) return deny(svc, c, "admin certificate denied");
  if (req.method() != bhttp::verb::post) return http::error(status::method_not_allowed, "use POST");

  const auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (!body.is_object()) return http::error(status::bad_request, "body must be a JSON object");
  const auto now = pki::now_unix();
  audit::Record r;
  r.event = ev::kAdminRevoke;
  r.success = true;
  r.remote_ip = c.ip;
  r.device_id = c.peer.device_id;  // the admin's identity
  try {
    if (path == "/admin/revoke") {
      const auto serial = normalize_serial(body.value("serial", nlohmann::json()));
      const std::string reason = body.value("reason", nlohmann::json("unspecified")).is_string()
                                     ? body.value("reason", std::string("unspecified"))
                                     : "";
      if (!serial || !printable(reason, 64) || reason.empty()) {
        return http::error(status::bad_request, "need {\"serial\": hex, \"reason\": text}");
      }
      svc.deny.deny_serial(*serial, admin::SerialEntry{reason, c.peer.device_id, now});
      r.serial = *serial;
      r.reason = "revoked by " + c.peer.device_id + " (" + c.peer.serial + "): " + reason;
      svc.audit.log(std::move(r));
      return http::json_response(status::ok, {{"serial", *serial}, {"status", "revoked"}});
    }
    const auto jti = body.value("jti", nlohmann::json());
    const auto exp = body.value("exp", nlohmann::json());
    if (!jti.is_string() || !printable(jti.get<std::string>(), 128) ||
        jti.get<std::string>().empty() || !exp.is_number_integer()) {
      return http::error(status::bad_request, "need {\"jti\": text, \"exp\": NumericDate}");
    }
    svc.deny.deny_jti(jti.get<std::string>(), exp.get<std::int64_t>(), now);
    r.jti = jti.get<std::string>();
    r.reason = "jti denied by " + c.peer.device_id + " (" + c.peer.serial + ") until " +
               pki::rfc3339(exp.get<std::int64_t>());
    svc.audit.log(std::move(r));
    return http::json_response(status::ok, {{"jti", jti}, {"status", "denied"}});
  } catch (const pki::Error& e) {
    // Not persisted means not applied: the admin must retry.
    std::fprintf(stderr, "iot-gateway: deny list: %s\n", e.what());
    return http::error(status::internal_server_error, "could not persist the deny list");
  }
}

}  // namespace gw::server
