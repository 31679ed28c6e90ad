// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the admin endpoints' bodies (POST /admin/revoke, /admin/deny-jti),
// through gw::admin::parse_revoke / parse_deny_jti, the functions /admin/* calls, and
// the serial spellings through pki::x509::normalize_serial. Checks the invariants the
// deny lists rely on: an accepted serial is in the one written form (normalising it
// again changes nothing), reasons and jtis are short printable ASCII, exp is a
// NumericDate in 1970..9999.
//
// The seed corpus (corpus/admin/) holds bodies made from real tool output: serials of
// certificates `iot-ca sign` issued, the jti and exp of a token the gateway issued.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "gateway/admin/requests.hpp"
#include "x509/pem.hpp"

namespace {

bool printable(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (const auto r = gw::admin::parse_revoke(body, &error)) {
    if (!error.empty() || !printable(r->reason, 64)) __builtin_trap();
    if (pki::x509::normalize_serial(r->serial) != r->serial) __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();  // a refusal always says why
  }
  if (const auto j = gw::admin::parse_deny_jti(body, &error)) {
    if (!printable(j->jti, 128) || j->exp < 0 || j->exp > 253402300799) __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();
  }
  try {
    const std::string s = pki::x509::normalize_serial(body);
    if (pki::x509::normalize_serial(s) != s) __builtin_trap();
  } catch (const pki::Error&) {
  }
  return 0;
}
