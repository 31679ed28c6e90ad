// SPDX-License-Identifier: Apache-2.0
#include "gateway/revocation/chain.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace gw::revocation {
namespace {

Decision refuse(Verdict v, std::string serial, std::string reason) {
  return {v, std::move(serial), std::move(reason)};
}

const CrlEntry* crl_of(const RevocationSet& crls, const X509* issuer) {
  if (issuer == nullptr) return nullptr;
  for (const CrlEntry& e : crls.crls()) {
    if (::X509_cmp(e.issuer.get(), issuer) == 0) return &e;
  }
  return nullptr;
}

bool entry_stale(const CrlEntry& e, std::int64_t now, std::int64_t grace) {
  return now > e.next_update + grace;
}

Decision check_chain(const RevocationSet& crls, const admin::DenyLists& deny,
                     STACK_OF(X509) * chain, std::int64_t now, std::int64_t grace) {
  const int n = sk_X509_num(chain);
  for (int i = 0; i < n; ++i) {
    const X509* cert = sk_X509_value(chain, i);
    const std::string serial = pki::x509::serial_hex(cert);
    const std::string who = (i == 0 ? "certificate " : "issuing CA ") + serial;
    const bool anchor = i == n - 1 && X509_check_issued(const_cast<X509*>(cert),
                                                        const_cast<X509*>(cert)) == X509_V_OK;
    if (!anchor) {
      const X509* issuer = i + 1 < n ? sk_X509_value(chain, i + 1) : nullptr;
      // Each CRL goes stale on its own nextUpdate + grace: a stale CRL of one CA refuses
      // what it vouches for (the root's: every chain), not the other CAs' devices.
      if (const CrlEntry* e = crl_of(crls, issuer); e != nullptr && entry_stale(*e, now, grace)) {
        return refuse(Verdict::stale, serial,
                      "the CRL of " + e->issuer_name + " is past nextUpdate " +
                          pki::rfc3339(e->next_update) + " + crl_grace (fail closed)");
      }
      switch (crls.check(cert, issuer)) {
        case RevocationSet::Status::good:
          break;
        case RevocationSet::Status::revoked:
          return refuse(Verdict::revoked, serial, who + " is revoked by its issuer's CRL");
        case RevocationSet::Status::no_crl:
          return refuse(Verdict::no_crl, serial,
                        "no CRL from the issuer of " + who + " (fail closed)");
      }
    }
    if (deny.serial_denied(serial)) {
      return refuse(Verdict::denied, serial, who + " is denied by an admin");
    }
  }
  return {};
}

Decision check_token_serial(const RevocationSet& crls, const admin::DenyLists& deny,
                            std::string_view token_serial) {
  std::string serial;
  try {
    serial = pki::x509::normalize_serial(token_serial);
  } catch (const pki::Error&) {
    // Our own signature is on it, so this is not expected; refuse rather than guess.
    return refuse(Verdict::revoked, "", "token serial is not a serial");
  }
  if (crls.serial_revoked(serial)) {
    return refuse(Verdict::revoked, serial, "certificate " + serial + " of the token is revoked");
  }
  if (deny.serial_denied(serial)) {
    return refuse(Verdict::denied, serial,
                  "certificate " + serial + " of the token is denied by an admin");
  }
  return {};
}

}  // namespace

Decision trust_peer(const RevocationSet& crls, const admin::DenyLists& deny,
                    const Presented& presented, std::int64_t now, std::int64_t grace) noexcept {
  try {
    if (presented.chain != nullptr) {
      Decision d = check_chain(crls, deny, presented.chain, now, grace);
      if (!d.trusted()) return d;
    } else if (const auto names = stale_crls(crls, now, grace); !names.empty()) {
      // A token alone does not say which CA issued its certificate: any stale CRL.
      return refuse(
          Verdict::stale, "",
          "the CRL of " + names.front() + " is past nextUpdate + crl_grace (fail closed)");
    }
    if (!presented.token_serial.empty()) {
      return check_token_serial(crls, deny, presented.token_serial);
    }
    return {};
  } catch (const std::exception& e) {
    // Only an allocation failure gets here; the answer is still "no".
    return refuse(Verdict::revoked, "", std::string("trust check failed: ") + e.what());
  }
}

Decision check_logged(const LogSet* log, STACK_OF(X509) * chain) noexcept {
  try {
    if (chain == nullptr || sk_X509_num(chain) < 1) return {};
    X509* leaf = sk_X509_value(chain, 0);
    if (log != nullptr && log->contains(cert_leaf_hash(leaf))) return {};
    const std::string serial = pki::x509::serial_hex(leaf);
    return refuse(Verdict::not_logged, serial,
                  "certificate " + serial + " (subject " +
                      pki::x509::one_line(X509_get_subject_name(leaf)) + ", issuer " +
                      pki::x509::one_line(X509_get_issuer_name(leaf)) +
                      ") chains to the bundle but is not in the transparency log" +
                      (log == nullptr ? std::string(" (the trust set has none)")
                                      : " of " + std::to_string(log->size()) +
                                            " certificate(s), head " + log->head().root_hash));
  } catch (const std::exception& e) {
    return refuse(Verdict::not_logged, "", std::string("log check failed: ") + e.what());
  }
}

bool stale(const RevocationSet& crls, std::int64_t now, std::int64_t grace) {
  return !stale_crls(crls, now, grace).empty();
}

std::vector<std::string> stale_crls(const RevocationSet& crls, std::int64_t now,
                                    std::int64_t grace) {
  std::vector<std::string> out;
  for (const CrlEntry& e : crls.crls()) {
    if (entry_stale(e, now, grace)) out.push_back(e.issuer_name);
  }
  if (crls.crls().empty() && now > crls.next_update() + grace) out.emplace_back("the trust set");
  return out;
}

}  // namespace gw::revocation
