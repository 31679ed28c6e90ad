// SPDX-License-Identifier: Apache-2.0
#pragma once
// The configuration reference as a man page (mdoc), generated from a schema table
// (config/schema.hpp), so the page lists exactly what the loader enforces.
#include <string>
#include <vector>

#include "config/schema.hpp"

namespace pki::config {

struct TableDoc {
  std::string name;         // "server"
  std::string description;  // one paragraph
};

struct ManPage {
  std::string name;                      // "gateway.toml"
  std::string describes;                 // the .Nd line
  std::string see_also;                  // the main page, "iot-gateway 8"
  std::vector<std::string> description;  // paragraphs
  std::vector<TableDoc> tables;
  std::vector<KeyInfo> keys;
};

[[nodiscard]] std::string render_man(const ManPage& page);

}  // namespace pki::config
