// SPDX-License-Identifier: Apache-2.0
#pragma once
// The SQLite library the process runs with (sqlite3_libversion), for --version. Kept
// beside the registry's other SQLite calls.
#include <string>

namespace pki::db {

[[nodiscard]] std::string sqlite_version();

}  // namespace pki::db
