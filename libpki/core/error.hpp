// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one exception type libpki and the CLIs throw. Each carries the sysexits-style
// code of SPEC §4 so `main` can turn any failure into the right exit status.
#include <stdexcept>
#include <string>

namespace pki {

enum class Exit : int {
  ok = 0,
  usage = 2,
  data = 65,      // EX_DATAERR: bad CSR, bad token, malformed input
  no_input = 66,  // EX_NOINPUT: a named input file is missing
  internal = 70,  // EX_SOFTWARE: a bug
  cant_create = 73,
  io = 74,
  temp = 75,    // EX_TEMPFAIL: database busy past its timeout
  denied = 77,  // EX_NOPERM: permission denied / authentication failed
  config = 78,
};

class Error : public std::runtime_error {
 public:
  Error(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] Exit code() const noexcept { return code_; }
  [[nodiscard]] int exit_status() const noexcept { return static_cast<int>(code_); }

 private:
  Exit code_;
};

// Appends strerror(errno) to the message.
[[noreturn]] void throw_errno(Exit code, const std::string& message);

// Drains the whole OpenSSL error queue into the message, so a later failure
// cannot report a stale cause.
[[noreturn]] void throw_ossl(Exit code, std::string message);

// Empties the OpenSSL error queue without reporting it (after an expected failure).
void clear_ossl_errors() noexcept;

}  // namespace pki
