// SPDX-License-Identifier: Apache-2.0
// Secret-aware input and output shared by the subcommands.
#include <unistd.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-provision/commands.hpp"

namespace prov {

std::int64_t parse_ttl(const std::string& text) {
  std::int64_t ttl = 0;
  try {
    ttl = pki::parse_duration(text, "--ttl");
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::usage, e.what());
  }
  constexpr std::int64_t kMax = 30 * 24 * 3600;
  if (ttl < 1 || ttl > kMax) throw pki::Error(pki::Exit::usage, "--ttl must be between 1s and 30d");
  return ttl;
}

pki::Secret read_secret(const std::filesystem::path& path, pki::fs::Limit limit) {
  pki::fs::SecretFile f = pki::fs::read_secret_file(path, limit);
  if (f.shared) {
    app::note("iot-provision: warning: " + path.string() +
              " holds secrets but group or others can read it; run: chmod 600 " + path.string());
  }
  return std::move(f.text);
}

void require_writable_output(const std::filesystem::path& out, bool force) {
  if (pki::fs::is_stdio(out)) return;
  std::error_code ec;
  if (!force && std::filesystem::exists(out, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     out.string() + " already exists (remove it or use --force)");
  }
  const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : ".";
  if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw pki::Error(pki::Exit::cant_create, "cannot create " + out.string() + ": " + dir.string() +
                                                 " is not a writable directory");
  }
}

}  // namespace prov
