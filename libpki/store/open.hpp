// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one place that chooses a registry backend. A new backend is a folder beside
// store/sqlite/ and one line in open.cpp.
#include <filesystem>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace pki::store {

struct Location {
  std::string backend = "sqlite";
  std::filesystem::path path;  // sqlite: the registry file (PKI home/registry.db)
  bool create = false;         // create an empty registry when there is none
};

// Opens (creating when `create`) and migrates the schema forward. A missing registry
// without `create` is Error(no_input); a newer schema than this build knows is
// Error(config); an unknown backend is Error(config).
[[nodiscard]] std::unique_ptr<Store> open_store(const Location& where);

// The backends' libraries as the process runs with them, e.g. "SQLite 3.40.1" (for
// --version).
[[nodiscard]] std::string backend_versions();

}  // namespace pki::store
