// SPDX-License-Identifier: Apache-2.0
#include "gateway/log/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace gw::log {
namespace {

void write_line(std::string_view prefix, std::string_view what) noexcept {
  try {
    std::string out;
    out.reserve(prefix.size() + what.size() + 1);
    out.append(prefix).append(what).push_back('\n');
    std::string_view rest(out);
    while (!rest.empty()) {
      const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // stderr gone: nothing better to do
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  } catch (...) {  // out of memory building the line: drop it
  }
}

}  // namespace

void line(std::string_view what) noexcept {
  write_line("iot-gateway: ", what);
}

void error(std::string_view what) noexcept {
  write_line("iot-gateway: error: ", what);
}

}  // namespace gw::log
