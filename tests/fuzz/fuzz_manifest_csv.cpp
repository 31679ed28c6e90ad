// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the CSV reader behind `enroll --batch` manifests and token files
// (with its byte-order-mark and delimiter rules), and the manifest and token-file rules
// on top of it. Invariants: records come in line order, a record is either an error or
// has fields, what the report writer quotes parses back as one record, a usable
// token-file row has a device id, and a progress line fits its width.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "batch/csv.hpp"
#include "batch/manifest.hpp"
#include "batch/progress.hpp"
#include "core/error.hpp"

namespace {

void check_records(std::string_view in, std::size_t expected) {
  const auto records = pki::batch::parse_csv(in, expected);
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const std::size_t expected : {0, 2, 3}) {
    try {
      check_records(in, expected);
    } catch (const pki::Error&) {
    }
  }
  try {
    const auto rows = pki::batch::parse_manifest(in, "/base");
    for (const auto& row : rows) {
      if (row.error.empty() && row.csr_path.empty()) std::abort();
    }
  } catch (const pki::Error&) {
  }
  try {
    const auto rows = pki::batch::parse_token_file(in);
    for (const auto& row : rows) {
      if (row.error.empty() && row.device_id.empty()) std::abort();
    }
  } catch (const pki::Error&) {
  }
  // The progress layout, with the input's first bytes as the counts and the width.
  if (size >= 4) {
    const pki::batch::ProgressState st{"enroll", data[0] * 1000U + data[1], data[2] * 997U,
                                       data[1] / 3.0, data[0] - 10.0};
    const std::size_t cols = data[3];
    if (pki::batch::progress_bar_line(st, cols).size() > (cols == 0 ? 79 : cols - 1) ||
        (cols > 0 && pki::batch::progress_plain_line(st, cols).size() > cols - 1))
      std::abort();
  }
  return 0;
}
