// SPDX-License-Identifier: Apache-2.0
#pragma once
// The gateway's own diagnostics (not the audit log): one line per call on stderr,
// "iot-gateway: <message>", written with a single write(2) so lines from several
// threads never interleave, and never throwing (callers sit in noexcept paths and
// Asio completion handlers). systemd's journal picks stderr up. Secrets never go here.
#include <string_view>

namespace gw::log {

// "iot-gateway: <what>" — a state change or a problem the gateway survives.
void line(std::string_view what) noexcept;
// "iot-gateway: error: <what>" — why the gateway (or a command) stops.
void error(std::string_view what) noexcept;

}  // namespace gw::log
