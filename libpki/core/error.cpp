// SPDX-License-Identifier: Apache-2.0
#include "core/error.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>

namespace pki {

void throw_errno(Exit code, const std::string& message) {
  const int err = errno;
  throw Error(code, message + ": " + std::strerror(err));
}

void throw_ossl(Exit code, std::string message) {
  bool first = true;
  while (const unsigned long e = ::ERR_get_error()) {
    // Only the innermost reason is useful to an operator; keep the first one.
    if (first) {
      const char* reason = ::ERR_reason_error_string(e);
      if (reason != nullptr) message.append(" (").append(reason).append(")");
      first = false;
    }
  }
  throw Error(code, message);
}

void clear_ossl_errors() noexcept {
  ::ERR_clear_error();
}

}  // namespace pki
