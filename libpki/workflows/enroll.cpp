// SPDX-License-Identifier: Apache-2.0
#include "workflows/enroll.hpp"

#include <unistd.h>

#include "ca/issue.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "token/store.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::workflows {
namespace {

bool same_public_key(const store::CertRecord& rec, const x509::Csr& csr) {
  const X509Ptr cert = x509::cert_from_pem(rec.pem, "certificate " + rec.serial);
  return ::EVP_PKEY_eq(::X509_get0_pubkey(cert.get()), ::X509_REQ_get0_pubkey(csr.req.get())) == 1;
}

Redeemed redeem_in_transaction(store::Store& db, const store::TokenRow& row, const x509::Csr& csr,
                               const x509::Signer& signer, const config::Settings& settings,
                               std::int64_t now, const RedeemOptions& options, bool& written) {
  return db.in_transaction([&] {
    // Re-read under the write lock: another process may have redeemed it meanwhile.
    const std::optional<store::TokenRow> cur = db.find_token(row.id);
    if (!cur) throw Error(Exit::denied, "the token no longer exists (purged?)");
    if (cur->used_at && options.reemit_same_key && cur->serial) {
      std::optional<store::CertRecord> rec = db.find_cert(*cur->serial);
      if (rec && same_public_key(*rec, csr)) return Redeemed{std::move(*rec), true, {}};
    }
    token::require_redeemable(*cur, now);
    const x509::LeafSpec spec{x509::Profile::device, csr.common_name, {}, settings.device_days};
    const auto t0 = std::chrono::steady_clock::now();
    ca::Issued issued =
        ca::issue_leaf(db, signer, ::X509_REQ_get0_pubkey(csr.req.get()), spec, settings);
    const auto issue_time = std::chrono::steady_clock::now() - t0;
    db.mark_token_used(cur->id, now, issued.record.serial);
    journal::append(db, "token.redeem",
                    {{"id", cur->id},
                     {"device_id", cur->device_id},
                     {"serial", issued.record.serial},
                     {"used_at", now}});
    if (options.out_file) {
      fs::write_file_atomic(*options.out_file, issued.record.pem + options.chain, 0644);
      written = true;
    }
    if (options.before_commit) options.before_commit(issued.record);
    return Redeemed{std::move(issued.record), false, issue_time};
  });
}

}  // namespace

x509::Csr parse_device_csr(std::string_view bytes, std::string_view what) {
  x509::Csr csr = x509::parse_csr(bytes, what);
  if (csr.common_name.empty()) throw Error(Exit::data, std::string(what) + ": the CSR has no CN");
  x509::require_device_id(csr.common_name);
  return csr;
}

store::TokenRow authorise(store::Store& db, const token::Token& token, const x509::Csr& csr,
                          const config::Argon2Cost& cost) {
  store::TokenRow row = token::authenticate(db, token, cost);
  token::require_device_match(row, csr.common_name);
  return row;
}

Redeemed redeem(store::Store& db, const store::TokenRow& row, const x509::Csr& csr,
                const x509::Signer& signer, const config::Settings& settings, std::int64_t now,
                const RedeemOptions& options) {
  token::require_device_match(row, csr.common_name);
  bool written = false;
  try {
    return redeem_in_transaction(db, row, csr, signer, settings, now, options, written);
  } catch (...) {
    if (written) ::unlink(options.out_file->c_str());
    throw;
  }
}

}  // namespace pki::workflows
