// SPDX-License-Identifier: Apache-2.0
#pragma once
// Enrollment: a device's token + CSR → its certificate, exactly once. The one path for
// `iot-provision enroll` and `enroll --batch`: parse the CSR, authenticate the token
// (Argon2id, outside any transaction), check it was made for the CSR's CN, then redeem
// it (re-read, refuse used or expired, issue, mark used, journal) in one transaction.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "store/store.hpp"
#include "token/token.hpp"
#include "x509/csr.hpp"
#include "x509/profile.hpp"

namespace pki::workflows {

// A device's CSR (PEM or DER; proof of possession checked) whose CN is a valid device id.
// Error(data) naming `what` otherwise.
[[nodiscard]] x509::Csr parse_device_csr(std::string_view bytes, std::string_view what);

struct Redeemed {
  store::CertRecord record;
  bool reemitted = false;                 // the token was already used by this very public key
  std::chrono::nanoseconds issue_time{};  // building and signing the certificate
};

struct RedeemOptions {
  // Batch resume: a token already used for a certificate on the CSR's own public key
  // returns that certificate instead of failing (no second certificate is issued).
  bool reemit_same_key = false;
  // Written (atomically) with the certificate's PEM followed by `chain` inside the
  // transaction, before COMMIT, and removed again when COMMIT fails: no certificate
  // without its registry record, no spent token without its certificate.
  std::optional<std::filesystem::path> out_file;
  std::string chain;
  // Runs inside the transaction after issuance and before COMMIT; a throw rolls
  // everything back.
  std::function<void(const store::CertRecord&)> before_commit;
};

// Phase 1, no transaction, CPU-bound: the token's row once its secret is verified and
// it was made for the CSR's CN. Error(denied) otherwise.
[[nodiscard]] store::TokenRow authorise(store::Store& db, const token::Token& token,
                                        const x509::Csr& csr, const config::Argon2Cost& cost);

// Phase 2, one transaction: re-reads the token, refuses it when used (Error(denied),
// naming the serial) or expired (Error(denied)), issues the device certificate with
// `signer`, records used_at and the serial, journals the redemption, commits. Of any
// number of concurrent calls for one token, exactly one issues.
[[nodiscard]] Redeemed redeem(store::Store& db, const store::TokenRow& row, const x509::Csr& csr,
                              const x509::Signer& signer, const config::Settings& settings,
                              std::int64_t now, const RedeemOptions& options = {});

}  // namespace pki::workflows
