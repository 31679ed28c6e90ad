// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/config/config.hpp"
#include "gateway/jwt/key_set.hpp"
#include "gateway/revocation/trust_manifest.hpp"
#include "gateway/tls/context.hpp"

namespace gwapp {
namespace {

using gw::config::Problem;

Problem at(const gw::config::Parsed& parsed, const std::string& key, std::string message) {
  const auto it = parsed.lines.find(key);
  return {key, it == parsed.lines.end() ? 0 : it->second, std::move(message)};
}

// Loads what the gateway would load at start, collecting problems instead of stopping.
std::vector<Problem> check_material(const gw::config::Parsed& parsed,
                                    std::optional<gw::revocation::LogHead>* log) {
  const gw::config::Config& c = parsed.config;
  std::vector<Problem> problems;
  gw::revocation::TrustSet trust;
  try {
    // Exactly what the gateway runs at start and on every reload (nothing is persisted).
    const gw::revocation::Seen seen = gw::revocation::read_seen(c.trust.state_dir);
    const auto files =
        gw::revocation::read_trust_files(c.trust.bundle, c.trust.crl, c.trust.require_manifest);
    auto v = gw::revocation::verify_trust(
        files.view(), {c.trust.pins, c.trust.require_manifest, c.trust.require_logged}, seen,
        nullptr, pki::now_unix());
    if (!v.ok) throw pki::Error(pki::Exit::data, v.reason);
    if (v.has_log) *log = v.log_head;
    trust = std::move(v.set);
  } catch (const pki::Error& e) {
    // The message names the key: "trust.bundle: …", "trust.crl: …", "trust.pins: …",
    // "trust.manifest: …" (manifest.json beside trust.bundle), "trust.state_dir: …".
    const std::string what = e.what();
    std::string key = "trust.bundle";
    for (const char* k : {"trust.crl", "trust.pins", "trust.manifest", "trust.state_dir"}) {
      if (what.rfind(std::string(k) + ":", 0) == 0) key = k;
    }
    if (what.rfind("log: ", 0) == 0) {  // the transparency log (revocation/log_set)
      problems.push_back(
          at(parsed, c.trust.require_logged ? "trust.require_logged" : "trust.require_manifest",
             what));
      pki::config::sort_by_line(problems);
      return problems;
    }
    if (key == "trust.manifest") key = "trust.require_manifest";
    const std::string prefix = what.substr(0, what.find(": ") + 2);
    problems.push_back(
        at(parsed, key, what.rfind("trust", 0) == 0 ? what.substr(prefix.size()) : what));
  }
  if (trust.bundle) {
    try {
      (void)gw::tls::make_server_context(c.server.cert, c.server.key, *trust.bundle);
    } catch (const pki::Error& e) {
      problems.push_back(at(parsed, "server.cert", "with server.key: " + std::string(e.what())));
    }
  }
  try {
    (void)gw::jwt::KeySet::load(c.jwt.keys_dir);
  } catch (const pki::Error& e) {
    problems.push_back(at(parsed, "jwt.keys_dir", e.what()));
  }
  pki::config::sort_by_line(problems);
  return problems;
}

}  // namespace

void define_check_config(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("check-config",
                                 "Validate gateway.toml, the files it names and their permissions");
  auto config = std::make_shared<std::filesystem::path>();
  cmd->add_option("--config", *config, "gateway.toml")->required();
  cmd->footer(
      "Every problem is listed as FILE:LINE: KEY: MESSAGE, in line order (exit 78);\n"
      "with --json as {\"key\", \"line\", \"message\"} objects. Keys: gateway.toml(5).");
  cmd->callback([config, &common] {
    const std::string text = pki::fs::read_file(*config, pki::fs::kConfigLimit);
    gw::config::Parsed parsed = gw::config::parse(text, *config);
    std::vector<Problem> problems = parsed.problems;
    // The files the configuration names, in the same pass: a path whose own value was
    // refused is not looked up (its default would be reported instead).
    const bool syntax_error = problems.size() == 1 && problems.front().key.empty();
    if (!syntax_error) {
      for (auto& f : gw::config::check_files(parsed.config, parsed.lines)) {
        const bool refused = std::any_of(problems.begin(), problems.end(),
                                         [&](const Problem& p) { return p.key == f.key; });
        if (!refused) problems.push_back(std::move(f));
      }
      pki::config::sort_by_line(problems);
    }
    // Deeper checks (chains, CRL signatures, the TLS context) only on sound material.
    std::optional<gw::revocation::LogHead> log;
    if (problems.empty()) problems = check_material(parsed, &log);
    nlohmann::json list = nlohmann::json::array();
    std::string human;
    for (const auto& p : problems) {
      nlohmann::json item = {{"key", p.key}, {"line", p.line}, {"message", p.message}};
      if (p.column > 0) item["column"] = p.column;  // TOML syntax errors
      list.push_back(std::move(item));
      human += pki::config::format_problem(config->string(), p) + "\n";
    }
    if (problems.empty()) human = config->string() + ": OK";
    nlohmann::json doc = {
        {"config", config->string()}, {"ok", problems.empty()}, {"problems", list}};
    // The transparency log the trust set carries (issue 12), when it has one.
    if (log) {
      doc["log"] = {{"tree_size", log->tree_size},
                    {"root_hash", log->root_hash},
                    {"timestamp", log->timestamp}};
      if (problems.empty()) {
        human += "\ntransparency log: " + std::to_string(log->tree_size) +
                 " certificate(s), root " + log->root_hash + ", " + log->timestamp;
      }
    }
    app::emit(common, doc, human);
    if (!problems.empty()) {
      throw pki::Error(pki::Exit::config, std::to_string(problems.size()) + " problem(s) found");
    }
  });
}

}  // namespace gwapp
