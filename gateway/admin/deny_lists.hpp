// SPDX-License-Identifier: Apache-2.0
#pragma once
// The admin deny lists (SPEC §5): certificate serials revoked through POST /admin/revoke
// and single JWTs refused through POST /admin/deny-jti. Both are persisted (temp +
// fsync + rename) before the request is answered, and loaded at start, so an
// emergency revocation survives a restart (seed residual risk "in-memory revocation
// list is lost on restart").
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gw::admin {

struct SerialEntry {
  std::string reason;
  std::string by;  // the admin certificate's CN
  std::int64_t at = 0;
};

class DenyLists {
 public:
  // Loads `dir`/denied-serials.json and `dir`/denied-jtis.json when present; a corrupt
  // file is pki::Error(config) naming it (fail closed: the gateway does not start).
  // Serials are kept in pki::x509::serial_hex form (older files are normalised on
  // load). `leeway` is jwt.leeway: a token is accepted until exp + leeway, so its
  // jti stays denied until then (issue 9 item 8).
  DenyLists(std::filesystem::path dir, std::int64_t leeway);

  // Adds and persists; false when the serial was already denied. Throws pki::Error(io)
  // when the state cannot be written (the caller answers 500 and denies nothing).
  // `serial` must be in serial_hex form (admin::parse_revoke normalises it).
  bool deny_serial(std::string_view serial, SerialEntry entry);
  // Entries whose exp + leeway has passed are purged first: they protect nothing.
  bool deny_jti(std::string_view jti, std::int64_t exp, std::int64_t now);

  [[nodiscard]] bool serial_denied(std::string_view serial) const;
  // True while now < exp + leeway, the same instant jwt::validate stops accepting it.
  [[nodiscard]] bool jti_denied(std::string_view jti, std::int64_t now) const;
  [[nodiscard]] std::size_t serial_count() const;
  [[nodiscard]] std::size_t jti_count() const;

  static constexpr std::size_t kMaxEntries = 1'000'000;  // bounded even under a rogue admin

 private:
  void save_serials() const;
  void save_jtis() const;
  [[nodiscard]] bool jti_live(std::int64_t exp, std::int64_t now) const {
    return exp > INT64_MAX - leeway_ || now < exp + leeway_;  // no signed overflow
  }
  std::filesystem::path dir_;
  std::int64_t leeway_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, SerialEntry, std::less<>> serials_;
  std::map<std::string, std::int64_t, std::less<>> jtis_;  // jti → exp
};

}  // namespace gw::admin
