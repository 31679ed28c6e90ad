// SPDX-License-Identifier: Apache-2.0
#include "gateway/revocation/log_set.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "translog/merkle.hpp"
#include "x509/pem.hpp"

namespace gw::revocation {
namespace {

using pki::Exit;
using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& what) {
  throw pki::Error(Exit::data, "log: " + what);
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

int digits(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// RFC 3339 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z.
bool is_rfc3339_utc(std::string_view s) {
  if (s.size() < 20 || s.size() > 40 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s.back() != 'Z') {
    return false;
  }
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
      se > 60) {
    return false;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[mo - 1]) return false;
  if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return false;
  const std::string_view rest = s.substr(19, s.size() - 20);
  if (rest.empty()) return true;
  if (rest.size() < 2 || rest.size() > 10 || rest[0] != '.') return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const Json& member(const Json& j, const char* key, bool (Json::*is)() const noexcept,
                   const char* what) {
  const auto it = j.find(key);
  if (it == j.end() || !((*it).*is)()) fail(std::string(key) + " must be " + what);
  return *it;
}

// The 32-byte leaf hash at byte offset `at` of log-leaves.bin's bytes.
Hash leaf_at(std::string_view leaves, std::size_t at) {
  Hash h;
  std::memcpy(h.data(), leaves.data() + at, h.size());
  return h;
}

std::string hex(const Hash& h) {
  return pki::hex_lower(h);
}

}  // namespace

std::string manifest_entry_problem(const nlohmann::json& files, std::string_view name,
                                   std::string_view data, const std::string& sha256_hex) {
  const Json* f = nullptr;
  for (const auto& e : files) {
    if (e.is_object() && e.contains("name") && e["name"].is_string() && e["name"] == name) {
      f = &e;
      break;
    }
  }
  if (f == nullptr) return "the manifest lists no " + std::string(name);
  const auto size = f->find("size");
  const auto digest = f->find("sha256");
  if (size == f->end() || !size->is_number_unsigned() || digest == f->end() ||
      !digest->is_string()) {
    return "the manifest's entry of " + std::string(name) + " needs a size and a sha256";
  }
  if (size->get<std::uint64_t>() == data.size() && digest->get<std::string>() == sha256_hex)
    return "";
  return std::string(name) + " does not match the manifest (SHA-256 " + sha256_hex + ", " +
         std::to_string(data.size()) + " bytes; the manifest says " +
         digest->get<std::string>().substr(0, 64) + ", " +
         std::to_string(size->get<std::uint64_t>()) + ")";
}

LogHead parse_log_head(std::string_view text) {
  if (text.size() > kMaxLogHeadBytes) {
    fail(std::string(kLogHeadFile) + " is larger than " + std::to_string(kMaxLogHeadBytes) +
         " bytes");
  }
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(std::string(kLogHeadFile) + " is not a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "format" && k != "tree_size" && k != "root_hash" && k != "timestamp" &&
        k != "leaves") {
      fail("unknown key '" + k.substr(0, 64) + "' in " + std::string(kLogHeadFile));
    }
  }
  LogHead h;
  if (member(j, "format", &Json::is_string, "a string") != kLogHeadFormat) {
    fail("format must be \"" + std::string(kLogHeadFormat) + "\"");
  }
  h.tree_size = member(j, "tree_size", &Json::is_number_unsigned, "a non-negative integer")
                    .get<std::uint64_t>();
  if (h.tree_size > kMaxLogLeaves) {
    fail("tree_size " + std::to_string(h.tree_size) + " is above the gateway's cap of " +
         std::to_string(kMaxLogLeaves) + " leaves");
  }
  h.root_hash =
      member(j, "root_hash", &Json::is_string, "64 lowercase hex digits").get<std::string>();
  if (!is_hex64(h.root_hash)) fail("root_hash must be 64 lowercase hex digits");
  h.timestamp = member(j, "timestamp", &Json::is_string, "an RFC 3339 time").get<std::string>();
  if (!is_rfc3339_utc(h.timestamp)) fail("timestamp must be an RFC 3339 UTC time (…Z)");
  const Json& leaves = member(j, "leaves", &Json::is_object, "an object");
  for (const auto& [k, v] : leaves.items()) {
    if (k != "name" && k != "size" && k != "sha256") {
      fail("unknown key '" + k.substr(0, 64) + "' in leaves");
    }
  }
  h.leaves_name = member(leaves, "name", &Json::is_string, "a string").get<std::string>();
  if (h.leaves_name != kLogLeavesFile) {
    fail("leaves.name must be \"" + std::string(kLogLeavesFile) + "\"");
  }
  h.leaves_size = member(leaves, "size", &Json::is_number_unsigned, "a non-negative integer")
                      .get<std::uint64_t>();
  if (h.leaves_size != h.tree_size * kLeafBytes) {
    fail("leaves.size " + std::to_string(h.leaves_size) + " is not 32 × tree_size (" +
         std::to_string(h.tree_size * kLeafBytes) + ")");
  }
  h.leaves_sha256 = member(leaves, "sha256", &Json::is_string, "64 hex digits").get<std::string>();
  if (!is_hex64(h.leaves_sha256)) fail("leaves.sha256 must be 64 lowercase hex digits");
  return h;
}

Hash cert_leaf_hash(X509* cert) {
  const pki::Bytes der = pki::x509::to_der(cert);
  return pki::translog::leaf_hash(der);
}

Hash tree_hash(std::string_view leaves) {
  pki::translog::RootBuilder t;
  for (std::size_t i = 0; i + kLeafBytes <= leaves.size(); i += kLeafBytes)
    t.add(leaf_at(leaves, i));
  return t.root();
}

bool manifest_has_log(std::string_view manifest_json) noexcept {
  const Json m = Json::parse(manifest_json, nullptr, false);
  return !m.is_discarded() && m.is_object() && m.contains("log");
}

LogVerdict verify_log(std::string_view manifest_json, std::string_view head_json,
                      std::string_view leaves, const LogMark& previous) noexcept {
  LogVerdict v;
  try {
    v.head = parse_log_head(head_json);
    const LogHead& h = v.head;
    const Json m = Json::parse(manifest_json, nullptr, false);
    if (m.is_discarded() || !m.is_object()) fail("the manifest is not a JSON object");
    const auto files = m.find("files");
    if (files == m.end() || !files->is_array()) fail("the manifest has no files list");
    const auto log = m.find("log");
    if (log == m.end() || !log->is_object()) fail("the manifest has no \"log\" object");
    const auto size = log->find("tree_size");
    const auto root = log->find("root_hash");
    if (size == log->end() || !size->is_number_unsigned() || root == log->end() ||
        !root->is_string() || size->get<std::uint64_t>() != h.tree_size ||
        root->get<std::string>() != h.root_hash) {
      fail("the manifest's \"log\" is not the head's tree_size and root_hash");
    }
    if (auto p =
            manifest_entry_problem(*files, kLogHeadFile, head_json, pki::sha256_hex(head_json));
        !p.empty())
      fail(p);
    if (leaves.size() % kLeafBytes != 0) {
      fail(std::string(kLogLeavesFile) + " is " + std::to_string(leaves.size()) +
           " bytes, not a multiple of 32");
    }
    if (leaves.size() != h.leaves_size) {
      fail(std::string(kLogLeavesFile) + " is " + std::to_string(leaves.size()) +
           " bytes; the head says " + std::to_string(h.leaves_size) + " (tree_size " +
           std::to_string(h.tree_size) + ")");
    }
    const std::string sha = pki::sha256_hex(leaves);
    if (sha != h.leaves_sha256) {
      fail(std::string(kLogLeavesFile) + " has SHA-256 " + sha + "; the head says " +
           h.leaves_sha256);
    }
    if (auto p = manifest_entry_problem(*files, kLogLeavesFile, leaves, sha); !p.empty()) fail(p);
    // One pass: the root of all leaves and of the first previous.tree_size.
    pki::translog::RootBuilder t;
    std::string old_root;
    for (std::uint64_t i = 0; i < h.tree_size; ++i) {
      if (!previous.empty() && i == previous.tree_size) old_root = hex(t.root());
      t.add(leaf_at(leaves, i * kLeafBytes));
    }
    if (!previous.empty() && previous.tree_size == h.tree_size) old_root = hex(t.root());
    const std::string computed = hex(t.root());
    if (computed != h.root_hash) {
      fail("the leaves hash to root " + computed + ", the head says " + h.root_hash);
    }
    if (!previous.empty()) {
      if (h.tree_size < previous.tree_size || old_root != previous.root_hash) {
        v.inconsistent = true;
        fail("the new head (tree_size " + std::to_string(h.tree_size) + ", root " + h.root_hash +
             ") does not extend the last accepted one (tree_size " +
             std::to_string(previous.tree_size) + ", root " + previous.root_hash + ")" +
             (h.tree_size < previous.tree_size
                  ? ": the log shrank"
                  : ": its first " + std::to_string(previous.tree_size) + " leaves hash to " +
                        old_root + " (history rewritten)"));
      }
    }
    v.ok = true;
  } catch (const pki::Error& e) {
    v.reason = e.what();
  } catch (const std::exception& e) {
    v.reason = std::string("log: ") + e.what();
  }
  if (!v.ok) v.head = {};
  return v;
}

std::shared_ptr<const LogSet> LogSet::adopt(std::vector<Hash>&& leaves, LogHead head) {
  auto s = std::make_shared<LogSet>();
  s->leaves_ = std::move(leaves);
  std::sort(s->leaves_.begin(), s->leaves_.end(), [](const Hash& a, const Hash& b) {
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
  });
  s->head_ = std::move(head);
  return s;
}

bool LogSet::contains(const Hash& leaf) const noexcept {
  return std::binary_search(leaves_.begin(), leaves_.end(), leaf, [](const Hash& a, const Hash& b) {
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
  });
}

std::vector<Hash> read_log_leaves(const std::string& path) {
  constexpr pki::fs::Limit kLimit{static_cast<std::size_t>(kMaxLogLeaves * kLeafBytes),
                                  "transparency log (log-leaves.bin)"};
  const pki::UniqueFd fd = pki::fs::open_input(path, kLimit);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw pki::Error(Exit::no_input, "log: " + path + ": " + std::strerror(errno));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > kMaxLogLeaves * kLeafBytes) {
    fail(path + " is " + std::to_string(size) + " bytes, above the cap of " +
         std::to_string(kMaxLogLeaves) + " leaves");
  }
  if (size % kLeafBytes != 0) {
    fail(path + " is " + std::to_string(size) + " bytes, not a multiple of 32");
  }
  std::vector<Hash> out(size / kLeafBytes);
  auto* p = reinterpret_cast<char*>(out.data());
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd.get(), p + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw pki::Error(Exit::no_input, "log: " + path + ": " + std::strerror(errno));
    }
    if (n == 0) fail(path + " shrank while it was read (an export under way?)");
    got += static_cast<std::size_t>(n);
  }
  char extra = 0;
  if (::read(fd.get(), &extra, 1) > 0)
    fail(path + " grew while it was read (an export under way?)");
  return out;
}

}  // namespace gw::revocation
