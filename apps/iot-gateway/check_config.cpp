// SPDX-License-Identifier: Apache-2.0
#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/config/config.hpp"
#include "gateway/jwt/key_set.hpp"
#include "gateway/revocation/trust.hpp"
#include "gateway/tls/context.hpp"

namespace gwapp {
namespace {

// Loads what the gateway would load at start, collecting problems instead of stopping.
std::vector<std::string> check_material(const gw::config::Config& c) {
  std::vector<std::string> problems;
  gw::revocation::TrustSet trust;
  try {
    // Exactly what the gateway runs at start and on every reload.
    trust = gw::revocation::read_trust(c.trust.bundle, c.trust.crl, nullptr);
  } catch (const pki::Error& e) {
    problems.emplace_back(e.what());  // names the key: "trust.bundle: …" / "trust.crl: …"
  }
  if (trust.bundle) {
    try {
      (void)gw::tls::make_server_context(c.server.cert, c.server.key, *trust.bundle);
    } catch (const pki::Error& e) {
      problems.push_back("server.cert/server.key: " + std::string(e.what()));
    }
  }
  try {
    (void)gw::jwt::KeySet::load(c.jwt.keys_dir);
  } catch (const pki::Error& e) {
    problems.push_back("jwt.keys_dir: " + std::string(e.what()));
  }
  return problems;
}

}  // namespace

void define_check_config(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("check-config",
                                 "Validate gateway.toml, the files it names and their permissions");
  auto config = std::make_shared<std::filesystem::path>();
  cmd->add_option("--config", *config, "gateway.toml")->required();
  cmd->callback([config, &common] {
    const std::string text = pki::fs::read_file(*config, pki::fs::kConfigLimit);
    gw::config::Parsed parsed = gw::config::parse(text, *config);
    std::vector<std::string> problems = parsed.problems;
    if (problems.empty()) {
      for (auto& p : gw::config::check_files(parsed.config)) problems.push_back(std::move(p));
      // Each file problem is already listed; deeper checks only on readable material.
      if (problems.empty()) problems = check_material(parsed.config);
    }
    nlohmann::json doc = {
        {"config", config->string()}, {"ok", problems.empty()}, {"problems", problems}};
    std::string human;
    for (const auto& p : problems) human += config->string() + ": " + p + "\n";
    if (problems.empty()) human = config->string() + ": OK";
    app::emit(common, doc, human);
    if (!problems.empty()) {
      throw pki::Error(pki::Exit::config, std::to_string(problems.size()) + " problem(s) found");
    }
  });
}

}  // namespace gwapp
