// SPDX-License-Identifier: Apache-2.0
#include "gateway/config/endpoint.hpp"

namespace gw::config {

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (const char ch : p) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  return v > 0 && v <= 65535;
}

Endpoint split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return {};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return {};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || !valid_port(port)) return {};
  return {std::string(host), std::string(port)};
}

}  // namespace gw::config
