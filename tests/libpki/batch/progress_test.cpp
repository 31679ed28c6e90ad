// SPDX-License-Identifier: Apache-2.0
// The batch progress line fitted to a terminal's width.
#include <doctest/doctest.h>

#include "batch/progress.hpp"

using pki::batch::ProgressState;

TEST_CASE("the bar line never reaches the last column, at any width from 1 to 300") {
  for (const std::size_t total : {std::size_t{0}, std::size_t{7}, std::size_t{1'000'000}}) {
    const ProgressState s{"enroll", total / 3, total, 1234.5, 3725};
    for (std::size_t cols = 1; cols <= 300; ++cols) {
      const std::string bar = pki::batch::progress_bar_line(s, cols);
      CHECK_MESSAGE(bar.size() <= cols - 1, cols);
      const std::string plain = pki::batch::progress_plain_line(s, cols);
      CHECK_MESSAGE(plain.size() <= cols - 1, cols);
    }
  }
}

TEST_CASE("the bar fills the width it is given, up to a cap, and drops parts as it shrinks") {
  const ProgressState s{"enroll", 6, 12, 3.2, 2};
  CHECK(pki::batch::progress_bar_line(s, 40) == "enroll [####.....]  6/12  3.2/s  ETA 2s");
  CHECK(pki::batch::progress_bar_line(s, 40).size() == 39);
  const std::string wide = pki::batch::progress_bar_line(s, 200);
  CHECK(wide.find('[' + std::string(25, '#') + std::string(25, '.') + ']') != std::string::npos);
  CHECK(pki::batch::progress_bar_line(s, 30) == "enroll  6/12  3.2/s  ETA 2s");
  CHECK(pki::batch::progress_bar_line(s, 22) == "enroll  6/12  ETA 2s");
  CHECK(pki::batch::progress_bar_line(s, 14) == "enroll  6/12");
  CHECK(pki::batch::progress_bar_line(s, 8) == "6/12");
}

TEST_CASE("an unknown width is 80 columns for the bar and unlimited for a plain line") {
  const ProgressState s{"token", 1, 2, 0, -1};
  CHECK(pki::batch::progress_bar_line(s, 0).size() <= 79);
  CHECK(pki::batch::progress_plain_line(s, 0) == "token: 1/2 rows (0.0/s, ETA ?)");
  CHECK(pki::batch::progress_plain_line(s, 25) == "token: 1/2 rows (ETA ?)");
}

TEST_CASE("ETAs read as seconds, minutes and hours") {
  CHECK(pki::batch::format_eta(7) == "7s");
  CHECK(pki::batch::format_eta(185) == "3m05s");
  CHECK(pki::batch::format_eta(3725) == "1h02m");
}
