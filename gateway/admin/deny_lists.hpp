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
  explicit DenyLists(std::filesystem::path dir);

  // Adds and persists; false when the serial was already denied. Throws pki::Error(io)
  // when the state cannot be written (the caller answers 500 and denies nothing).
  bool deny_serial(std::string_view serial_upper_hex, SerialEntry entry);
  bool deny_jti(std::string_view jti, std::int64_t exp, std::int64_t now);

  [[nodiscard]] bool serial_denied(std::string_view serial_upper_hex) const;
  [[nodiscard]] bool jti_denied(std::string_view jti, std::int64_t now) const;
  [[nodiscard]] std::size_t serial_count() const;
  [[nodiscard]] std::size_t jti_count() const;

  static constexpr std::size_t kMaxEntries = 1'000'000;  // bounded even under a rogue admin

 private:
  void save_serials() const;
  void save_jtis() const;
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::string, SerialEntry, std::less<>> serials_;
  std::map<std::string, std::int64_t, std::less<>> jtis_;  // jti → exp
};

}  // namespace gw::admin
