// SPDX-License-Identifier: Apache-2.0
#pragma once
// The admin deny lists (SPEC §5): certificate serials revoked through POST /admin/revoke
// and single JWTs refused through POST /admin/deny-jti. Both are persisted (temp +
// fsync + rename) before the request is answered, and loaded at start, so an
// emergency revocation survives a restart (seed residual risk "in-memory revocation
// list is lost on restart").
//
// Readers (every /api request, every trust decision) never wait for a write: each list
// is an immutable snapshot behind a shared_ptr, copied under a lock held only for the
// pointer copy. A writer (serialised by its own mutex) copies the list, adds the entry,
// writes and fsyncs the whole file from that copy, and only then swaps the pointer in;
// the old snapshot is freed by the writer, not by a reader.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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
  using Serials = std::map<std::string, SerialEntry, std::less<>>;
  using Jtis = std::map<std::string, std::int64_t, std::less<>>;  // jti → exp
  void save_serials(const Serials& serials) const;
  void save_jtis(const Jtis& jtis) const;
  [[nodiscard]] std::shared_ptr<const Serials> serials() const;
  [[nodiscard]] std::shared_ptr<const Jtis> jtis() const;
  // Publishes `next` and frees the previous snapshot here, on the writer's thread.
  template <class T>
  void publish(std::shared_ptr<const T>& slot, std::shared_ptr<const T> next);
  [[nodiscard]] bool jti_live(std::int64_t exp, std::int64_t now) const {
    return exp > INT64_MAX - leeway_ || now < exp + leeway_;  // no signed overflow
  }
  std::filesystem::path dir_;
  std::int64_t leeway_ = 0;
  std::mutex write_mu_;         // one writer at a time: copy, persist, publish
  mutable std::mutex snap_mu_;  // held only to copy or swap a pointer
  std::shared_ptr<const Serials> serials_;
  std::shared_ptr<const Jtis> jtis_;
};

}  // namespace gw::admin
