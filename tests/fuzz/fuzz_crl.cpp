// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a CRL file read the way the gateway reads trust.crl
// (gw::revocation::RevocationSet::parse: libpki's crls_from_bytes and check_crl —
// issuer, AKI, signature, CRL Number, nextUpdate, critical extensions — then the
// revoked-serial set), against a fixed CA bundle. fuzz_trust fuzzes the bundle too.
// The DER header reader the CRL builder uses on its template runs on the same bytes.
//
// The bundle is a generated fixture (iot-ca init + intermediate, EC P-256) and the seed
// corpus (corpus/crl/) holds CRLs those two CAs signed, so inputs reach the signature
// check rather than stopping at the issuer lookup.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crl/der.hpp"
#include "gateway/revocation/trust.hpp"
#include "x509/pem.hpp"

namespace {

constexpr std::string_view kBundle = R"(
-----BEGIN CERTIFICATE-----
MIIBsjCCAVegAwIBAgIUVUq3Dco5IUfsvXx2iLoN7urTCeAwCgYIKoZIzj0EAwIw
JjEQMA4GA1UECgwHSW9UIFBLSTESMBAGA1UEAwwJRnV6eiBSb290MB4XDTI2MTEy
NTA4NDk1OFoXDTM2MTEyMjA4NTQ1OFowJjEQMA4GA1UECgwHSW9UIFBLSTESMBAG
A1UEAwwJRnV6eiBSb290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFKEHoKEk
LKcad6IoewxhGiFGly+x8XsgpkC55Xk3+3Jr+BNkWw8ZTHYcZ7d2kJABdFzBF1l8
UZ0fb4/1uZ/WtKNjMGEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw
HQYDVR0OBBYEFN4kPobOhWbonbSZ4xuO61Q1RF2nMB8GA1UdIwQYMBaAFN4kPobO
hWbonbSZ4xuO61Q1RF2nMAoGCCqGSM49BAMCA0kAMEYCIQC9cVXpwdrlm/XN3b2T
bPrCm9wA46sI3/+qMo5GbVanvQIhAPPmX/s+dDmP6zGbBbMrv37WGQEGAhoNJHnX
hUO1ykaL
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIBtzCCAV2gAwIBAgIUTDEghGG1AGhxeL0eeq/4vOA6MFcwCgYIKoZIzj0EAwIw
JjEQMA4GA1UECgwHSW9UIFBLSTESMBAGA1UEAwwJRnV6eiBSb290MB4XDTI2MTEy
NTA4NDk1OFoXDTMxMTEyNDA4NTQ1OFowKTEQMA4GA1UECgwHSW9UIFBLSTEVMBMG
A1UEAwwMRnV6eiBJc3N1aW5nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgF7+
j4evMy1R31gAS/eJ2N6VepOf2R9piUE+OJ+TyDJ/C9Tc4h+iz39lBaPHVEylsQ+P
YscGCf4958zcNm5HGaNmMGQwEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8E
BAMCAQYwHQYDVR0OBBYEFKrDhvyqYQmZNYswnS+xhnXRqfBEMB8GA1UdIwQYMBaA
FN4kPobOhWbonbSZ4xuO61Q1RF2nMAoGCCqGSM49BAMCA0gAMEUCIDnS0WKlzxrB
31gqzWZ1o9iJOg7/1gN7ZqRcHIJF18BeAiEAlQpqELhQHv7YMO4yzV1RKIWOVU5d
eCkGKIJYGgV0x1o=
-----END CERTIFICATE-----
)";

const gw::revocation::Bundle& bundle() {
  static const auto b = gw::revocation::Bundle::parse(kBundle);
  return *b;
}

void walk_headers(std::string_view data) {
  std::size_t pos = 0;
  for (int i = 0; i < 64 && pos < data.size(); ++i) {
    const auto h = pki::crl::der::read_header(data, pos);
    // Descend into constructed elements, step over primitive ones.
    pos += (h.tag & 0x20) != 0 ? h.header_len : h.total();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto set = gw::revocation::RevocationSet::parse(bytes, bundle());
    const auto& cas = bundle().certs();
    (void)set->check(cas[1].get(), cas[0].get());
    (void)set->serial_revoked(pki::x509::serial_hex(cas[1].get()));
    (void)set->rollback_from(*set);
  } catch (const pki::Error&) {
    // A refused CRL file is the expected outcome for most inputs.
  }
  try {
    walk_headers(bytes);
  } catch (const pki::Error&) {
  }
  pki::clear_ossl_errors();
  return 0;
}
