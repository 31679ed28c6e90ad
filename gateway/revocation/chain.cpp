#include "gateway/revocation/chain.hpp"

namespace gw::revocation {

ChainResult check_chain(const RevocationSet& crls, STACK_OF(X509) * chain) {
  const int n = sk_X509_num(chain);
  for (int i = 0; i < n; ++i) {
    X509* cert = sk_X509_value(chain, i);
    const bool anchor = i == n - 1 && X509_check_issued(cert, cert) == X509_V_OK;
    if (anchor) break;
    const auto status = crls.check(cert);
    if (status == RevocationSet::Status::good) continue;
    const std::string who =
        (i == 0 ? "certificate " : "issuing CA ") + serial_hex(X509_get0_serialNumber(cert));
    return {status, status == RevocationSet::Status::revoked
                        ? who + " is revoked"
                        : "no CRL from the issuer of " + who + " (fail closed)"};
  }
  return {};
}

bool stale(const RevocationSet& crls, std::int64_t now, std::int64_t grace) {
  return now > crls.next_update() + grace;
}

}  // namespace gw::revocation
