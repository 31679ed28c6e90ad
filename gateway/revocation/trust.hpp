// SPDX-License-Identifier: Apache-2.0
#pragma once
// Trust material: the CA bundle (the only trust store) and the CRLs checked against
// it. Both are immutable once loaded; a reload builds new ones and swaps pointers, so
// requests in flight keep a consistent view.
//
// The CRLs are read and checked by libpki (crl/parse: crls_from_bytes, check_crl), the
// same relying-party code the CA's own tests and the fuzz targets run; this file only
// keeps, per issuing CA, the CRL with the highest CRL Number and its revoked serials.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"
#include "gateway/revocation/log_set.hpp"
#include "gateway/revocation/serial_set.hpp"

namespace gw::revocation {

class Bundle {
 public:
  // Every certificate in the PEM text must be a CA certificate; a broken PEM block is
  // refused. Throws pki::Error(data).
  [[nodiscard]] static std::shared_ptr<const Bundle> parse(std::string_view pem);
  [[nodiscard]] const std::vector<pki::X509Ptr>& certs() const { return certs_; }
  // A fresh store holding every bundle certificate (the TLS context owns one).
  [[nodiscard]] pki::X509StorePtr make_store() const;
  // The same certificates in the same order.
  [[nodiscard]] bool same_as(const Bundle& other) const;

 private:
  std::vector<pki::X509Ptr> certs_;
};

// One CA's current CRL, reduced to what the checks need.
struct CrlEntry {
  pki::X509Ptr issuer;      // the bundle CA that signed it (own reference)
  std::string issuer_name;  // RFC 2253 one line, for messages
  SerialSet serials;
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  pki::BnPtr number;                       // CRL Number
  std::array<unsigned char, 32> digest{};  // SHA-256 of the DER, to spot duplicates
};

class RevocationSet {
 public:
  // Every CRL in `bytes` (one DER CRL or PEM CRLs), each checked by pki::crl::check_crl
  // against the bundle (v2, issuer in the bundle by name and AKI, signature, CRL Number,
  // nextUpdate after thisUpdate, no unsupported critical extension). Several CRLs of one
  // CA: the highest CRL Number wins; two different CRLs with the same number are
  // refused. Throws pki::Error(data) naming the CRL and the reason.
  [[nodiscard]] static std::shared_ptr<const RevocationSet> parse(std::string_view bytes,
                                                                  const Bundle& bundle);

  enum class Status { good, revoked, no_crl };
  // Looks `cert` up in the CRL of `issuer` (the next certificate of a verified chain):
  // the CRL of the bundle CA with the issuer's name and key.
  [[nodiscard]] Status check(const X509* cert, const X509* issuer) const;
  // True when any CRL lists the serial (tokens carry only the serial), given in
  // pki::x509::serial_hex form.
  [[nodiscard]] bool serial_revoked(std::string_view serial_hex) const;
  // Earliest nextUpdate over all CRLs.
  [[nodiscard]] std::int64_t next_update() const { return next_update_; }
  [[nodiscard]] std::size_t crl_count() const { return crls_.size(); }
  [[nodiscard]] std::size_t revoked_count() const;
  // A reason when some CA's CRL Number is lower than in `previous`: an older CRL put
  // back in place (a rollback that would un-revoke certificates, RFC 5280 §5.2.3).
  [[nodiscard]] std::optional<std::string> rollback_from(const RevocationSet& previous) const;
  [[nodiscard]] const std::vector<CrlEntry>& crls() const { return crls_; }

 private:
  [[nodiscard]] const CrlEntry* find(const X509* issuer) const;
  std::vector<CrlEntry> crls_;  // one per issuing CA
  std::int64_t next_update_ = 0;
};

// The bundle and the CRLs, taken together or not at all.
struct TrustSet {
  std::shared_ptr<const Bundle> bundle;
  std::shared_ptr<const RevocationSet> crls;
  std::shared_ptr<const LogSet> log;  // the transparency log, when the set carries one
};

// Parses both and refuses a CRL Number rollback against `previous` (when given). The
// reloader, check-config and fuzz_trust all run this. Throws pki::Error(data) whose
// message starts with the key at fault ("trust.bundle: …", "trust.crl: …").
[[nodiscard]] TrustSet load_trust(std::string_view bundle_pem, std::string_view crl_bytes,
                                  const RevocationSet* previous);
// Reads both files (pki::fs::read_file with kTrustLimit: non-blocking open, regular files
// only, capped) and calls load_trust. Errors name the key and the path.
[[nodiscard]] TrustSet read_trust(const std::filesystem::path& bundle,
                                  const std::filesystem::path& crl, const RevocationSet* previous);

}  // namespace gw::revocation
