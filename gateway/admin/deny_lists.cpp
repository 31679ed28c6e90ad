// SPDX-License-Identifier: Apache-2.0
#include "gateway/admin/deny_lists.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <thread>

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
  auto serials = std::make_shared<Serials>();
  auto jtis = std::make_shared<Jtis>();
  try {
    if (const auto doc = read_json(dir_ / kSerialsFile)) {
      for (const auto& [serial, e] : doc->items()) {
        (*serials)[pki::x509::normalize_serial(serial)] =
            SerialEntry{e.at("reason").get<std::string>(), e.at("by").get<std::string>(),
                        e.at("at").get<std::int64_t>()};
      }
    }
    if (const auto doc = read_json(dir_ / kJtisFile)) {
      for (const auto& [jti, exp] : doc->items()) (*jtis)[jti] = exp.get<std::int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw pki::Error(pki::Exit::config,
                     dir_.string() + ": corrupt deny list entry (" + e.what() + ")");
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::config,
                     dir_.string() + ": corrupt deny list entry (" + e.what() + ")");
  }
  serials_ = std::move(serials);
  jtis_ = std::move(jtis);
}

void DenyLists::save_serials(const Serials& serials) const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [serial, e] : serials)
    doc[serial] = {{"reason", e.reason}, {"by", e.by}, {"at", e.at}};
  pki::fs::write_file_atomic(dir_ / kSerialsFile, doc.dump(1) + "\n", 0600);
}

void DenyLists::save_jtis(const Jtis& jtis) const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [jti, exp] : jtis) doc[jti] = exp;
  pki::fs::write_file_atomic(dir_ / kJtisFile, doc.dump(1) + "\n", 0600);
}

std::shared_ptr<const DenyLists::Serials> DenyLists::serials() const {
  const std::lock_guard lock(snap_mu_);
  return serials_;
}

std::shared_ptr<const DenyLists::Jtis> DenyLists::jtis() const {
  const std::lock_guard lock(snap_mu_);
  return jtis_;
}

template <class T>
void DenyLists::publish(std::shared_ptr<const T>& slot, std::shared_ptr<const T> next) {
  {
    const std::lock_guard lock(snap_mu_);
    slot.swap(next);  // `next` now holds the previous snapshot
  }
  // A reader that copied the old pointer lets go within one lookup; wait (bounded) so
  // that freeing up to kMaxEntries nodes happens here and never on a reader's thread.
  for (int i = 0; i < 10000 && next.use_count() > 1; ++i) std::this_thread::yield();
}

bool DenyLists::deny_serial(std::string_view serial, SerialEntry entry) {
  const std::lock_guard lock(write_mu_);
  const std::shared_ptr<const Serials> current = serials();
  if (current->find(serial) != current->end()) return false;
  if (current->size() >= kMaxEntries) throw pki::Error(pki::Exit::io, "serial deny list is full");
  auto next = std::make_shared<Serials>(*current);
  next->emplace(std::string(serial), std::move(entry));
  save_serials(*next);  // throws: not persisted, not applied (memory and disk agree)
  publish<Serials>(serials_, std::move(next));
  return true;
}

bool DenyLists::deny_jti(std::string_view jti, std::int64_t exp, std::int64_t now) {
  const std::lock_guard lock(write_mu_);
  const std::shared_ptr<const Jtis> current = jtis();
  if (const auto it = current->find(jti); it != current->end() && jti_live(it->second, now)) {
    return false;
  }
  auto next = std::make_shared<Jtis>();
  // Entries past their token's expiry protect nothing; drop them while we are here.
  for (const auto& kv : *current) {
    if (jti_live(kv.second, now)) next->insert(next->end(), kv);
  }
  if (next->size() >= kMaxEntries) throw pki::Error(pki::Exit::io, "jti deny list is full");
  next->emplace(std::string(jti), exp);
  save_jtis(*next);
  publish<Jtis>(jtis_, std::move(next));
  return true;
}

bool DenyLists::serial_denied(std::string_view serial) const {
  const auto s = serials();
  return s->find(serial) != s->end();
}

bool DenyLists::jti_denied(std::string_view jti, std::int64_t now) const {
  const auto j = jtis();
  const auto it = j->find(jti);
  return it != j->end() && jti_live(it->second, now);
}

std::size_t DenyLists::serial_count() const {
  return serials()->size();
}

std::size_t DenyLists::jti_count() const {
  return jtis()->size();
}

}  // namespace gw::admin
