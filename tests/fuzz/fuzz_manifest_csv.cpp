// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the CSV reader behind `enroll --batch` manifests, and the manifest
// rules on top of it. Invariants: records come in line order, a record is either an
// error or has fields, and what the report writer quotes parses back as one record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "batch/csv.hpp"
#include "batch/manifest.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const auto records = pki::batch::parse_csv(in);
    std::size_t last = 0;
    for (const auto& r : records) {
      if (r.line <= last && last != 0) std::abort();
      last = r.line;
      if (r.error.empty() && r.fields.empty()) std::abort();
      if (!r.error.empty()) continue;
      const auto back = pki::batch::parse_csv(pki::batch::csv_line(r.fields));
      if (back.size() != 1 || !back[0].error.empty() || back[0].fields.size() != r.fields.size())
        std::abort();
    }
  } catch (const pki::Error&) {
  }
  try {
    const auto rows = pki::batch::parse_manifest(in, "/base");
    for (const auto& row : rows) {
      if (row.error.empty() && row.csr_path.empty()) std::abort();
    }
  } catch (const pki::Error&) {
  }
  return 0;
}
