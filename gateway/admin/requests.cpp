// SPDX-License-Identifier: Apache-2.0
#include "gateway/admin/requests.hpp"

#include <nlohmann/json.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cstdint>

#include "core/error.hpp"
#include "x509/pem.hpp"

namespace gw::admin {
namespace {

bool printable(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f; });
}

std::optional<nlohmann::json> object_of(std::string_view body, std::string* error) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) {
    *error = "body must be a JSON object";
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::optional<RevokeRequest> parse_revoke(std::string_view body, std::string* error) {
  const auto doc = object_of(body, error);
  if (!doc) return std::nullopt;
  *error = "need {\"serial\": hex, \"reason\": text}";
  const auto serial = doc->find("serial");
  if (serial == doc->end() || !serial->is_string()) return std::nullopt;
  RevokeRequest r;
  try {
    r.serial = pki::x509::normalize_serial(serial->get_ref<const std::string&>());
  } catch (const pki::Error& e) {
    *error = e.what();
    return std::nullopt;
  }
  r.reason = "unspecified";
  if (const auto reason = doc->find("reason"); reason != doc->end()) {
    if (!reason->is_string()) return std::nullopt;
    r.reason = reason->get<std::string>();
  }
  if (!printable(r.reason, 64)) return std::nullopt;
  error->clear();
  return r;
}

std::optional<DenyJtiRequest> parse_deny_jti(std::string_view body, std::string* error) {
  const auto doc = object_of(body, error);
  if (!doc) return std::nullopt;
  *error = "need {\"jti\": text, \"exp\": NumericDate}";
  const auto jti = doc->find("jti");
  const auto exp = doc->find("exp");
  if (jti == doc->end() || exp == doc->end() || !jti->is_string() || !exp->is_number_integer()) {
    return std::nullopt;
  }
  DenyJtiRequest r;
  r.jti = jti->get<std::string>();
  if (!printable(r.jti, 128)) return std::nullopt;
  // 1970..9999 (RFC 7519 NumericDate); an unsigned value above INT64_MAX would wrap.
  constexpr std::int64_t kMaxExp = 253402300799;  // 9999-12-31T23:59:59Z
  if (exp->is_number_unsigned() &&
      exp->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxExp)) {
    return std::nullopt;
  }
  r.exp = exp->get<std::int64_t>();
  if (r.exp < 0 || r.exp > kMaxExp) return std::nullopt;
  error->clear();
  return r;
}

std::optional<UnbanRequest> parse_unban(std::string_view body, std::string* error) {
  const auto doc = object_of(body, error);
  if (!doc) return std::nullopt;
  *error = "need {\"address\": \"192.0.2.7\"} (IPv6: an address or its /64)";
  const auto address = doc->find("address");
  if (address == doc->end() || !address->is_string()) return std::nullopt;
  std::string text = address->get<std::string>();
  if (text.size() > 64) return std::nullopt;
  if (text.ends_with("/64")) text.resize(text.size() - 3);
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(text, ec);
  if (ec || (address->get_ref<const std::string&>().ends_with("/64") && !addr.is_v6())) {
    return std::nullopt;
  }
  error->clear();
  return UnbanRequest{addr.to_string()};
}

}  // namespace gw::admin
