// SPDX-License-Identifier: Apache-2.0
#include "gateway/admin/deny_lists.hpp"

#include <nlohmann/json.hpp>

#include <string>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "x509/pem.hpp"

namespace gw::admin {
namespace {

constexpr const char* kSerialsFile = "denied-serials.json";
constexpr const char* kJtisFile = "denied-jtis.json";

std::optional<nlohmann::json> read_json(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::string text;
  try {
    // Regular file, non-blocking open, capped: a FIFO here must not hang start-up.
    text = pki::fs::read_file(path, pki::fs::kStateLimit);
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::config, std::string("trust.state_dir: ") + e.what());
  }
  try {
    auto doc = nlohmann::json::parse(text);
    if (!doc.is_object())
      throw pki::Error(pki::Exit::config, path.string() + ": not a JSON object");
    return doc;
  } catch (const nlohmann::json::exception& e) {
    throw pki::Error(pki::Exit::config, path.string() + ": corrupt deny list (" + e.what() + ")");
  }
}

}  // namespace

DenyLists::DenyLists(std::filesystem::path dir, std::int64_t leeway)
    : dir_(std::move(dir)), leeway_(leeway) {
  pki::fs::ensure_private_dir(dir_);
  try {
    if (const auto doc = read_json(dir_ / kSerialsFile)) {
      for (const auto& [serial, e] : doc->items()) {
        serials_[pki::x509::normalize_serial(serial)] =
            SerialEntry{e.at("reason").get<std::string>(), e.at("by").get<std::string>(),
                        e.at("at").get<std::int64_t>()};
      }
    }
    if (const auto doc = read_json(dir_ / kJtisFile)) {
      for (const auto& [jti, exp] : doc->items()) jtis_[jti] = exp.get<std::int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw pki::Error(pki::Exit::config,
                     dir_.string() + ": corrupt deny list entry (" + e.what() + ")");
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::config,
                     dir_.string() + ": corrupt deny list entry (" + e.what() + ")");
  }
}

void DenyLists::save_serials() const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [serial, e] : serials_)
    doc[serial] = {{"reason", e.reason}, {"by", e.by}, {"at", e.at}};
  pki::fs::write_file_atomic(dir_ / kSerialsFile, doc.dump(1) + "\n", 0600);
}

void DenyLists::save_jtis() const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [jti, exp] : jtis_) doc[jti] = exp;
  pki::fs::write_file_atomic(dir_ / kJtisFile, doc.dump(1) + "\n", 0600);
}

bool DenyLists::deny_serial(std::string_view serial, SerialEntry entry) {
  const std::lock_guard lock(mu_);
  if (serials_.find(serial) != serials_.end()) return false;
  if (serials_.size() >= kMaxEntries) throw pki::Error(pki::Exit::io, "serial deny list is full");
  const auto it = serials_.emplace(std::string(serial), std::move(entry)).first;
  try {
    save_serials();
  } catch (...) {
    serials_.erase(it);  // not persisted: not applied, so memory and disk agree
    throw;
  }
  return true;
}

bool DenyLists::deny_jti(std::string_view jti, std::int64_t exp, std::int64_t now) {
  const std::lock_guard lock(mu_);
  // Entries past their token's expiry protect nothing; drop them while we are here.
  std::erase_if(jtis_, [&](const auto& kv) { return !jti_live(kv.second, now); });
  if (jtis_.find(jti) != jtis_.end()) return false;
  if (jtis_.size() >= kMaxEntries) throw pki::Error(pki::Exit::io, "jti deny list is full");
  const auto it = jtis_.emplace(std::string(jti), exp).first;
  try {
    save_jtis();
  } catch (...) {
    jtis_.erase(it);
    throw;
  }
  return true;
}

bool DenyLists::serial_denied(std::string_view serial) const {
  const std::lock_guard lock(mu_);
  return serials_.find(serial) != serials_.end();
}

bool DenyLists::jti_denied(std::string_view jti, std::int64_t now) const {
  const std::lock_guard lock(mu_);
  const auto it = jtis_.find(jti);
  return it != jtis_.end() && jti_live(it->second, now);
}

std::size_t DenyLists::serial_count() const {
  const std::lock_guard lock(mu_);
  return serials_.size();
}

std::size_t DenyLists::jti_count() const {
  const std::lock_guard lock(mu_);
  return jtis_.size();
}

}  // namespace gw::admin
