// SPDX-License-Identifier: Apache-2.0
#pragma once
// How a certificate record is shown: the JSON fields of SPEC §4 and one human line.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store.hpp"

namespace app {

[[nodiscard]] nlohmann::json cert_json(const pki::store::CertRecord& rec, std::int64_t now);
[[nodiscard]] std::string cert_line(const pki::store::CertRecord& rec, std::int64_t now);

}  // namespace app
