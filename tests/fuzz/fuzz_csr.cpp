// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: CSR parsing exactly as `iot-ca sign` and `iot-provision enroll` do it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "x509/csr.hpp"
#include "x509/names.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto csr = pki::x509::parse_csr({reinterpret_cast<const char*>(data), size}, "fuzz");
    (void)pki::x509::is_valid_device_id(csr.common_name);
  } catch (const pki::Error&) {
    // Refusals are the expected outcome for most inputs.
  }
  return 0;
}
