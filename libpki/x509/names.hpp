// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"

namespace pki::x509 {

// Device ids match [A-Za-z0-9][A-Za-z0-9._-]{0,63}; this also keeps CR/LF and quotes
// out of headers and logs (SPEC §3).
[[nodiscard]] bool is_valid_device_id(std::string_view id);
// Throws Error(data) naming what is wrong with the id.
void require_device_id(std::string_view id);

// The first CN / OU of a name, or "" when absent.
[[nodiscard]] std::string common_name(const X509_NAME* name);
[[nodiscard]] std::string org_unit(const X509_NAME* name);
// Every entry of that type, in order, as UTF-8 (entries that do not convert are left out).
[[nodiscard]] std::vector<std::string> entries(const X509_NAME* name, int nid);
// RFC 2253 one-line form, e.g. "CN=dev-1,OU=IoT Devices,O=Acme".
[[nodiscard]] std::string one_line(const X509_NAME* name);

}  // namespace pki::x509
