// SPDX-License-Identifier: Apache-2.0
#pragma once
// The text of a batch progress line, fitted to a terminal's width. The drawing (which
// terminal, how often, redraw or plain lines) is the binary's business; this is the
// layout, so it can be tested for every width.
#include <cstddef>
#include <string>
#include <string_view>

namespace pki::batch {

struct ProgressState {
  std::string_view what;  // "enroll", "token"; ASCII
  std::size_t done = 0;
  std::size_t total = 0;
  double rate = 0;          // rows per second; 0 while unknown
  double eta_seconds = -1;  // < 0 while unknown
};

// "1h02m", "3m05s", "7s".
[[nodiscard]] std::string format_eta(double seconds);

// The bar form, "enroll [####......] 6/12  3.2/s  ETA 2s", for a terminal of `columns`
// columns: at most columns - 1 characters (a line that reaches the last column wraps on
// some terminals), dropping the bar, then the rate, then the ETA as the width shrinks,
// and cutting what is left as a last resort. `columns` == 0 means unknown: 80.
[[nodiscard]] std::string progress_bar_line(const ProgressState& s, std::size_t columns);

// The plain form, "enroll: 6/12 rows (3.2/s, ETA 2s)", for logs and TERM=dumb. With
// `columns` > 0 it is fitted as above; 0 leaves it whole (not a terminal).
[[nodiscard]] std::string progress_plain_line(const ProgressState& s, std::size_t columns);

}  // namespace pki::batch
