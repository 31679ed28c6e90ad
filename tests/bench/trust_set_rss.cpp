// SPDX-License-Identifier: Apache-2.0
// Memory of the gateway's revoked-serial set for an N-entry CRL (issue 10: per-serial cost).
// Run by hand, not under ctest, against a Release build tree (same source, two trees to compare):
//   g++ -std=c++20 -O2 -include utility -I. -Ilibpki -Ibuild/generated
//   tests/bench/trust_set_rss.cpp
//     build/gateway/libgwlib.a build/libpki/libpki.a -lsqlite3 -lsodium -largon2 -lsystemd
//     -ltomlplusplus -lssl -lcrypto -lpthread -o /tmp/trust_set_rss && /tmp/trust_set_rss 1000000
// Measured (docs/security.md): 22 B per serial retained (was 288 B with std::set<std::string>).
#include <malloc.h>
#include <fstream>
#include <iostream>
#include <string>
#include "crl/builder.hpp"
#include "gateway/revocation/trust.hpp"
#include "keys/keys.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

static long rss_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  return -1;
}
int main(int argc, char** argv) {
  const long n = argc > 1 ? std::stol(argv[1]) : 1000000;
  pki::PkeyPtr rk = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::x509::Signer root{"root", pki::x509::make_root(rk.get(), "R", "O", 30), std::move(rk)};
  pki::PkeyPtr ik = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::x509::Signer iss{"iss1", pki::x509::make_issuing(root, ik.get(), "I", "O", 20),
                        std::move(ik)};
  const std::int64_t now = ::time(nullptr);
  std::string pem;
  {
    pki::crl::CrlBuilder b(iss, {1, now - 60, now + 86400}, n);
    char buf[64];
    for (long i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "4%015lX%024lX", (unsigned long)i * 2654435761UL,
                    (unsigned long)i);
      b.add(buf, now - 10, pki::crl::Reason::key_compromise);
    }
    pem = pki::crl::der_to_pem(b.finish());
  }
  std::string rootcrl;
  {
    pki::crl::CrlBuilder b(root, {1, now - 60, now + 86400}, 0);
    rootcrl = pki::crl::der_to_pem(b.finish());
  }
  pem = rootcrl + pem;
  auto bundle = gw::revocation::Bundle::parse(pki::x509::to_pem(root.cert.get()) +
                                              pki::x509::to_pem(iss.cert.get()));
  malloc_trim(0);
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const long before = rss_kib("VmRSS:");
  struct mallinfo2 m0 = mallinfo2();
  auto set = gw::revocation::RevocationSet::parse(pem, *bundle);
  const long peak = rss_kib("VmHWM:");
  malloc_trim(0);
  struct mallinfo2 m1 = mallinfo2();
  const long after = rss_kib("VmRSS:");
  std::cout << "entries " << n << " pem_bytes " << pem.size() << " revoked " << set->revoked_count()
            << "\n  retained RSS " << (after - before) << " KiB = " << (after - before) * 1024.0 / n
            << " B/serial"
            << "\n  retained heap " << (long)(m1.uordblks - m0.uordblks)
            << " B = " << double(m1.uordblks - m0.uordblks) / n << " B/serial"
            << "\n  peak RSS during parse " << (peak - before) << " KiB above the start\n";
}
