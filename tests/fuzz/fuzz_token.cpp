// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: enrollment-token parsing, as `iot-provision enroll` reads a token
// file, stdin or a manifest field. Anything accepted must format back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.hpp"
#include "token/token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const pki::token::Token t = pki::token::parse(in);
    if (!pki::token::is_valid_id(t.id) || t.secret.size() != pki::token::kSecretBytes) std::abort();
    const pki::Secret text = pki::token::format(t);
    if (in.find(text.view()) == std::string_view::npos) std::abort();  // canonical round trip
  } catch (const pki::Error&) {
    // Refusals are the expected outcome for most inputs.
  }
  return 0;
}
