// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the gateway's check of a new trust set, exactly what the reloader,
// start-up and check-config run (gw::revocation::verify_trust): bundle, CRLs,
// manifest.json and its detached CMS signature (DER), against the pins and the
// persisted highest values (trust-state.json, parsed by parse_seen), with and without
// require_manifest. Every self-signed bundle certificate is pinned, so inputs reach the
// signature, hash and rollback checks.
//
// Input: bundle, then each further part after its separator line below (absent parts
// are empty). The seed corpus (corpus/trust_manifest/) is real `iot-ca export` output.
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "gateway/revocation/trust_manifest.hpp"
#include "x509/pem.hpp"

namespace {

constexpr std::array<std::string_view, 4> kSeparators = {
    "\n#--- crl ---#\n", "\n#--- manifest ---#\n", "\n#--- p7s ---#\n", "\n#--- state ---#\n"};
// 2026-12-01T18:00Z, when the seeds were made: their publisher certificates are valid.
constexpr std::int64_t kNow = 1796148000;

std::vector<std::string> pins_of(std::string_view bundle) {
  std::vector<std::string> pins;
  try {
    const auto b = gw::revocation::Bundle::parse(bundle);
    for (const auto& c : b->certs()) {
      if (X509_check_issued(c.get(), c.get()) != X509_V_OK) continue;
      std::string fp = pki::x509::sha256_fingerprint(c.get());
      pins.push_back(fp);
    }
  } catch (const pki::Error&) {
  }
  pki::clear_ossl_errors();
  return pins;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::array<std::string_view, 5> part{};
  std::size_t n = 0;
  for (const auto sep : kSeparators) {
    const auto cut = in.find(sep);
    part[n++] = in.substr(0, cut);
    in = cut == std::string_view::npos ? std::string_view() : in.substr(cut + sep.size());
  }
  part[n] = in;
  gw::revocation::Seen seen;
  try {
    seen = gw::revocation::parse_seen(part[4]);
    if (gw::revocation::parse_seen(gw::revocation::write_seen(seen)) != seen) __builtin_trap();
  } catch (const pki::Error&) {
  }
  const gw::revocation::TrustFiles files{part[0], part[1], part[2], part[3]};
  const auto pins = pins_of(part[0]);
  for (const bool manifest : {true, false}) {
    const auto v = gw::revocation::verify_trust(files, {pins, manifest}, seen, nullptr, kNow);
    if (!v.ok) continue;
    if (!v.set.bundle || !v.set.crls) __builtin_trap();
    // Accepted once: the same set again, against what it leaves behind, is accepted too.
    const auto again =
        gw::revocation::verify_trust(files, {pins, manifest}, v.seen, v.set.crls.get(), kNow);
    if (!again.ok || !(again.seen == v.seen)) __builtin_trap();
  }
  pki::clear_ossl_errors();
  return 0;
}
