// SPDX-License-Identifier: Apache-2.0
#include "workflows/backup.hpp"

#include <vector>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "keys/ca_key.hpp"
#include "store/open.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kRegistry = "registry.db";
// Capped like every input: a registry of 1,000,000 certificates is about 2 GB.
constexpr fs::Limit kRegistryLimit{std::size_t{8} << 30, "registry backup"};

// The files of a home, relative to it, that a backup carries besides the registry.
// A CA key in a token is carried as its URI record (keys/ca_key.hpp), not the key.
stdfs::path key_rel(const ca::Home& home, const stdfs::path& rel) {
  std::error_code ec;
  const stdfs::path uri = keys::uri_record_path(rel);
  return stdfs::exists(home.dir() / uri, ec) ? uri : rel;
}

std::vector<stdfs::path> home_files(const ca::Home& home) {
  std::vector<stdfs::path> out{"root/ca.crt", key_rel(home, "root/ca.key")};
  for (const auto& name : home.issuing_names()) {
    out.push_back(stdfs::path("issuing") / name / "ca.crt");
    out.push_back(key_rel(home, stdfs::path("issuing") / name / "ca.key"));
  }
  std::error_code ec;
  if (stdfs::exists(home.settings_path(), ec)) out.emplace_back("iot-pki.toml");
  return out;
}

mode_t mode_of(const stdfs::path& rel) {
  return rel.filename() == "ca.crt" ? 0644 : 0600;
}

fs::Limit limit_of(const stdfs::path& rel) {
  if (rel == kRegistry) return kRegistryLimit;
  return rel.extension() == ".toml" ? fs::kConfigLimit : fs::kCertLimit;
}

std::string read_any(const stdfs::path& file, const stdfs::path& rel) {
  if (rel.filename() == "ca.key" || rel.filename() == "ca.key-uri") {
    return std::string(fs::read_private_file(file).view());
  }
  return fs::read_file(file, limit_of(rel));
}

// The journal's record count and the hash of its last record.
nlohmann::json journal_head(store::Store& db) {
  const journal::Verdict v = journal::verify(db);
  if (!v.ok) {
    throw Error(Exit::data, "journal record " + std::to_string(v.bad_seq) + ": " + v.problem);
  }
  const auto last = db.last_journal_record();
  return {{"records", v.records}, {"head", last ? last->hash : ""}};
}

[[noreturn]] void damaged(const stdfs::path& backup, const std::string& why) {
  throw Error(Exit::data, "backup " + backup.string() + " is damaged or incomplete: " + why +
                              "; it was not restored");
}

}  // namespace

nlohmann::json backup_home(const ca::Home& home, const stdfs::path& out) {
  home.require_initialised();
  std::error_code ec;
  if (stdfs::exists(out, ec)) {
    throw Error(Exit::cant_create, out.string() + " already exists; a backup goes to a new folder");
  }
  const auto files = home_files(home);
  fs::ensure_private_dir(out);
  try {
    home.open_store()->backup_to(out / kRegistry);
    // The copy's journal, read (and closed) before the copy is hashed: opening it may
    // rewrite its header (journal mode).
    const nlohmann::json journal = journal_head(*store::open_store({.path = out / kRegistry}));
    nlohmann::json entries = nlohmann::json::array();
    const auto add = [&](const stdfs::path& rel, const std::string& data) {
      entries.push_back(
          {{"path", rel.string()}, {"size", data.size()}, {"sha256", sha256_hex(data)}});
    };
    add(kRegistry, fs::read_file(out / kRegistry, kRegistryLimit));
    for (const auto& rel : files) {
      const std::string data = read_any(home.dir() / rel, rel);
      fs::ensure_private_dir((out / rel).parent_path());
      fs::write_file_atomic(out / rel, data, mode_of(rel));
      add(rel, data);
    }
    const nlohmann::json manifest = {{"format", "iot-pki-backup/1"},
                                     {"created_at", rfc3339(now_unix())},
                                     {"home", home.dir().string()},
                                     {"journal", journal},
                                     {"files", entries}};
    fs::write_file_atomic(out / kBackupManifest, manifest.dump(2) + "\n", 0600);
    return manifest;
  } catch (...) {
    stdfs::remove_all(out, ec);  // no half backup that looks like a whole one
    throw;
  }
}

nlohmann::json restore_home(const stdfs::path& backup, const ca::Home& target) {
  std::error_code ec;
  if (stdfs::exists(target.dir(), ec) && !stdfs::is_empty(target.dir(), ec)) {
    throw Error(Exit::cant_create, "PKI home " + target.dir().string() +
                                       " exists and is not empty; restore into a new one");
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(fs::read_file(backup / kBackupManifest, fs::kConfigLimit));
  } catch (const nlohmann::json::exception&) {
    damaged(backup, std::string(kBackupManifest) + " is not valid JSON");
  } catch (const Error& e) {
    damaged(backup, e.what());
  }
  if (!manifest.is_object() || manifest.value("format", "") != "iot-pki-backup/1" ||
      !manifest["files"].is_array()) {
    damaged(backup, std::string(kBackupManifest) + " is not an iot-pki backup manifest");
  }
  // Every file whole before anything is written.
  std::vector<std::pair<stdfs::path, std::string>> files;
  bool has_registry = false;
  for (const auto& f : manifest["files"]) {
    const stdfs::path rel = f.value("path", "");
    if (rel.empty() || rel.is_absolute() || rel.lexically_normal().string().starts_with("..")) {
      damaged(backup, "the manifest names a path outside the backup");
    }
    std::string data;
    try {
      data = read_any(backup / rel, rel);
    } catch (const Error& e) {
      damaged(backup, e.what());
    }
    if (sha256_hex(data) != f.value("sha256", "")) {
      damaged(backup, rel.string() + " does not match its SHA-256 in the manifest");
    }
    has_registry = has_registry || rel == kRegistry;
    files.emplace_back(rel, std::move(data));
  }
  if (!has_registry) damaged(backup, "it holds no registry.db");
  // Written, then the restored registry's journal checked against the manifest (the
  // backup itself is only read); a mismatch removes the new home again.
  fs::ensure_private_dir(target.dir());
  try {
    for (const auto& [rel, data] : files) {
      fs::ensure_private_dir((target.dir() / rel).parent_path());
      fs::write_file_atomic(target.dir() / rel, data, mode_of(rel));
    }
    nlohmann::json head;
    try {
      head = journal_head(*target.open_store());
    } catch (const Error& e) {
      damaged(backup, std::string("registry.db: ") + e.what());
    }
    if (head != manifest["journal"]) {
      damaged(backup, "the registry's journal is not the one the manifest recorded");
    }
  } catch (...) {
    stdfs::remove_all(target.dir(), ec);
    throw;
  }
  return manifest;
}

}  // namespace pki::workflows
