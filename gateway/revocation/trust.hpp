#pragma once
// Trust material: the CA bundle (the only trust store) and the CRLs checked against
// it. Both are immutable once loaded; a reload builds new ones and swaps pointers, so
// requests in flight keep a consistent view.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"

namespace gw::revocation {

class Bundle {
 public:
  // Every certificate in the PEM text must be a CA certificate. Throws pki::Error(data).
  [[nodiscard]] static std::shared_ptr<const Bundle> parse(std::string_view pem);
  [[nodiscard]] const std::vector<pki::X509Ptr>& certs() const { return certs_; }
  // The CA whose subject is `name`, or nullptr.
  [[nodiscard]] X509* find_subject(const X509_NAME* name) const;
  // A fresh store holding every bundle certificate (the TLS context owns one).
  [[nodiscard]] pki::X509StorePtr make_store() const;

 private:
  std::vector<pki::X509Ptr> certs_;
};

// One CA's current CRL, reduced to what the checks need.
struct CrlEntry {
  std::string issuer;                          // one-line subject, for messages
  std::set<std::string, std::less<>> serials;  // uppercase hex
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::string number;  // CRL Number (hex), "" when absent
};

class RevocationSet {
 public:
  // Parses every CRL in the PEM text and verifies each signature with the bundle CA
  // named as its issuer. Throws pki::Error(data) naming the reason: garbage, no CRL, an
  // issuer not in the bundle, a bad signature, no nextUpdate.
  [[nodiscard]] static std::shared_ptr<const RevocationSet> parse(std::string_view pem,
                                                                  const Bundle& bundle);

  enum class Status { good, revoked, no_crl };
  // Looks the certificate's serial up in its issuer's CRL.
  [[nodiscard]] Status check(X509* cert) const;
  // True when any CRL lists the serial (tokens carry only the serial).
  [[nodiscard]] bool serial_revoked(std::string_view serial_hex) const;
  // Earliest nextUpdate over all CRLs.
  [[nodiscard]] std::int64_t next_update() const { return next_update_; }
  [[nodiscard]] std::size_t crl_count() const { return by_issuer_.size(); }
  [[nodiscard]] std::size_t revoked_count() const { return all_serials_.size(); }
  // A reason when some CA's CRL Number is lower than in `previous`: an older CRL put
  // back in place (a rollback that would un-revoke certificates, RFC 5280 §5.2.3).
  [[nodiscard]] std::optional<std::string> rollback_from(const RevocationSet& previous) const;
  [[nodiscard]] const std::map<std::string, CrlEntry, std::less<>>& crls() const {
    return by_issuer_;
  }

 private:
  std::map<std::string, CrlEntry, std::less<>> by_issuer_;  // key: issuer name DER
  std::set<std::string, std::less<>> all_serials_;
  std::int64_t next_update_ = 0;
};

// Uppercase hex of a certificate serial (as `openssl x509 -serial` prints it).
[[nodiscard]] std::string serial_hex(const ASN1_INTEGER* serial);
// DER of a name, used as a map key.
[[nodiscard]] std::string name_der(const X509_NAME* name);
[[nodiscard]] std::string name_oneline(const X509_NAME* name);

}  // namespace gw::revocation
