// SPDX-License-Identifier: Apache-2.0
#include "store/open.hpp"

#include "core/error.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace pki::store {

std::unique_ptr<Store> open_store(const Location& where) {
  if (where.backend == "sqlite") return sqlite::open(where.path, where.create);
  throw Error(Exit::config, "unknown registry backend '" + where.backend + "' (known: sqlite)");
}

std::string backend_versions() {
  return "SQLite " + sqlite::library_version();
}

}  // namespace pki::store
