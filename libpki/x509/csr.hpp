// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificate signing requests from outside: parsed strictly, self-signature checked
// (proof of possession), key type checked. Nothing else in a CSR is trusted: the
// profile decides the certificate (SPEC §3).
#include <string>
#include <string_view>

#include "core/handles.hpp"

namespace pki::x509 {

struct Csr {
  X509ReqPtr req;
  std::string common_name;  // "" when the subject has none
};

// Accepts PEM or DER. Error(data) naming the problem: empty input, not a CSR,
// trailing garbage, broken signature, unacceptable key.
[[nodiscard]] Csr parse_csr(std::string_view bytes, std::string_view what);

}  // namespace pki::x509
