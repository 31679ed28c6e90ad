// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the gateway's trust loading, exactly what the reloader, start-up
// and check-config run (gw::revocation::load_trust): a CA bundle and a CRL file (one
// DER CRL or PEM CRLs) parsed, every CRL checked by libpki against that bundle, the
// set built, a rollback check against the previous set, then lookups on the result.
//
// Input: the bundle's bytes, the separator line below, the CRL file's bytes (no
// separator: all of it is the bundle and the CRL file is empty). The seed corpus
// (corpus/trust/) is real tool output: `iot-ca init`, `intermediate`, `sign`,
// `iot-revoke cert`, `iot-ca export` and `iot-revoke crl --format der`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "gateway/revocation/trust.hpp"
#include "x509/pem.hpp"

namespace {

constexpr std::string_view kSeparator = "\n#--- crl ---#\n";

void use(const gw::revocation::TrustSet& t) {
  const auto& certs = t.bundle->certs();
  for (std::size_t i = 0; i < certs.size(); ++i) {
    const X509* issuer = i + 1 < certs.size() ? certs[i + 1].get() : certs[i].get();
    (void)t.crls->check(certs[i].get(), issuer);
    (void)t.crls->serial_revoked(pki::x509::serial_hex(certs[i].get()));
  }
  (void)t.crls->serial_revoked("00");
  (void)t.crls->serial_revoked("-01");
  (void)t.crls->next_update();
  (void)t.crls->revoked_count();
  (void)t.bundle->make_store();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto cut = in.find(kSeparator);
  const std::string_view bundle = in.substr(0, cut);
  const std::string_view crl =
      cut == std::string_view::npos ? std::string_view() : in.substr(cut + kSeparator.size());
  try {
    const auto first = gw::revocation::load_trust(bundle, crl, nullptr);
    use(first);
    // A reload of the same files: no rollback, the same answers.
    const auto again = gw::revocation::load_trust(bundle, crl, first.crls.get());
    if (again.crls->crl_count() != first.crls->crl_count()) __builtin_trap();
    if (!again.bundle->same_as(*first.bundle)) __builtin_trap();
  } catch (const pki::Error&) {
    // Refused trust material is the expected outcome for most inputs.
  }
  pki::clear_ossl_errors();
  return 0;
}
