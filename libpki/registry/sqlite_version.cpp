// SPDX-License-Identifier: Apache-2.0
#include "registry/sqlite_version.hpp"

#include <sqlite3.h>

namespace pki::db {

std::string sqlite_version() {
  return ::sqlite3_libversion();
}

}  // namespace pki::db
