// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the manifest.json reader of `iot-ca journal verify --manifest`
// (journal::parse_anchor). Invariants: it returns an anchor or throws pki::Error(data),
// nothing else; an accepted anchor has a seq ≥ 1, a 64-hex hash and CRL Numbers ≥ 1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.hpp"
#include "journal/anchor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > pki::journal::kManifestMaxBytes) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const auto a = pki::journal::parse_anchor(in, "fuzz");
    if (a.seq < 1 || a.sequence < 1 || a.hash.size() != 64) std::abort();
    for (const auto& [name, n] : a.crl_numbers) {
      if (n < 1) std::abort();
    }
  } catch (const pki::Error& e) {
    if (e.code() != pki::Exit::data) std::abort();
  }
  return 0;
}
