// SPDX-License-Identifier: Apache-2.0
#include "gateway/revocation/trust_manifest.hpp"

#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/parse.hpp"
#include "fsutil/files.hpp"
#include "trustsign/publisher.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace gw::revocation {
namespace {

using pki::Exit;
using Json = nlohmann::json;

constexpr std::string_view kManifestFormat = "iot-pki-trust/1";
constexpr std::string_view kStateFormat = "iot-gateway-trust-state/1";
constexpr std::size_t kMaxSeenCas = 4096;

// A refusal of the set (not a parse failure of the bundle or CRLs).
struct Refused {
  std::string reason;
};

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) pki::throw_ossl(Exit::internal, "digest");
  return pki::hex_lower({md, n});
}

std::string key_id(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_pubkey_digest(cert, EVP_sha256(), md, &n) != 1) {
    pki::throw_ossl(Exit::internal, "key digest");
  }
  return pki::hex_lower({md, n});
}

std::string subject(const X509* cert) {
  return pki::x509::one_line(X509_get_subject_name(cert));
}

bool self_signed(X509* cert) {
  return X509_check_issued(cert, cert) == X509_V_OK;
}

// Step 2: the pinned roots of the bundle; every bundle CA must chain to one of them.
std::vector<X509*> pinned_anchors(const Bundle& bundle, const std::vector<std::string>& pins) {
  if (pins.empty()) {
    throw Refused{
        "trust.pins: no root is pinned, so no trust set is accepted; paste the line "
        "`iot-ca export` prints (pins = [\"<sha256 of the root>\"]) into [trust]"};
  }
  std::vector<std::string> wanted;
  for (const auto& p : pins) wanted.push_back(normalize_pin(p));
  std::vector<X509*> anchors;
  std::string roots;
  for (const auto& c : bundle.certs()) {
    if (!self_signed(c.get())) continue;
    const std::string fp = fingerprint(c.get());
    if (std::find(wanted.begin(), wanted.end(), fp) != wanted.end()) {
      anchors.push_back(c.get());
    } else {
      roots += (roots.empty() ? "" : ", ") + subject(c.get()) + " sha256 " + fp;
    }
  }
  if (anchors.empty()) {
    throw Refused{"trust.pins: no root of the bundle is pinned (bundle roots: " +
                  (roots.empty() ? std::string("none") : roots) + ")"};
  }
  const pki::X509StorePtr store(X509_STORE_new());
  pki::X509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) pki::throw_ossl(Exit::internal, "X509_STORE_new");
  for (X509* a : anchors) X509_STORE_add_cert(store.get(), a);
  for (const auto& c : bundle.certs()) {
    if (!self_signed(c.get())) {
      X509_up_ref(c.get());  // the stack owns what it holds (X509StackPtr pops and frees)
      if (sk_X509_push(untrusted.get(), c.get()) <= 0) {
        X509_free(c.get());
        pki::throw_ossl(Exit::internal, "sk_X509_push");
      }
    }
  }
  for (const auto& c : bundle.certs()) {
    const pki::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), c.get(), untrusted.get()) != 1) {
      pki::throw_ossl(Exit::internal, "X509_STORE_CTX_init");
    }
    // Only "does it chain to a pin": an expired CA kept in the bundle is not refused
    // here (the handshake refuses its devices).
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
    if (X509_verify_cert(ctx.get()) != 1) {
      const int err = X509_STORE_CTX_get_error(ctx.get());
      pki::clear_ossl_errors();
      throw Refused{"trust.pins: bundle CA " + subject(c.get()) +
                    " does not chain to a pinned root (" + X509_verify_cert_error_string(err) +
                    ")"};
    }
  }
  return anchors;
}

void check_file(const Json& files, std::string_view name, std::string_view data) {
  if (auto p = manifest_entry_problem(files, name, data, pki::sha256_hex(data)); !p.empty())
    throw Refused{"trust.manifest: " + p};
}

// Step 3. Returns the sequence and the publisher certificate (for the CRL check).
std::int64_t check_manifest(const TrustFiles& files, const std::vector<X509*>& anchors,
                            const Seen& seen, std::int64_t now, pki::X509Ptr* signer,
                            pki::X509Ptr* anchor) {
  if (files.manifest.size() > kMaxManifestBytes) {
    throw Refused{"trust.manifest: larger than " + std::to_string(kMaxManifestBytes) + " bytes"};
  }
  try {
    auto v = pki::trustsign::verify_detached(files.signature, files.manifest, anchors, now);
    *signer = std::move(v.signer);
    *anchor = std::move(v.anchor);
  } catch (const pki::Error& e) {
    throw Refused{std::string("trust.manifest: ") + kSignatureFile.data() + ": " + e.what()};
  }
  const Json m = Json::parse(files.manifest, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw Refused{"trust.manifest: not a JSON object"};
  const auto format = m.find("format");
  if (format == m.end() || !format->is_string() || *format != kManifestFormat) {
    throw Refused{"trust.manifest: format must be \"" + std::string(kManifestFormat) + "\""};
  }
  const auto seq = m.find("sequence");
  if (seq == m.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() < 1 ||
      seq->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw Refused{"trust.manifest: sequence must be a positive integer"};
  }
  const auto list = m.find("files");
  if (list == m.end() || !list->is_array()) throw Refused{"trust.manifest: no files list"};
  check_file(*list, "ca-bundle.pem", files.bundle);
  check_file(*list, "crl.pem", files.crl);
  const auto sequence = static_cast<std::int64_t>(seq->get<std::uint64_t>());
  if (sequence < seen.sequence) {
    throw Refused{"trust.manifest: sequence went back from " + std::to_string(seen.sequence) +
                  " to " + std::to_string(sequence) + " (an older export put back?)"};
  }
  return sequence;
}

pki::BnPtr bn_from_hex(const std::string& hex) {
  BIGNUM* bn = nullptr;
  if (hex.empty() || hex.size() > 64 ||
      BN_hex2bn(&bn, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(bn);
    throw pki::Error(Exit::data, "not a CRL Number: '" + hex.substr(0, 64) + "'");
  }
  return pki::BnPtr(bn);
}

std::string bn_hex(const BIGNUM* bn) {
  char* s = BN_bn2hex(bn);
  if (s == nullptr) pki::throw_ossl(Exit::internal, "BN_bn2hex");
  std::string out(s);
  OPENSSL_free(s);
  return out;
}

// Step 4, and the next Seen.
Seen check_numbers(const RevocationSet& crls, const Seen& seen, std::int64_t sequence) {
  Seen next = seen;
  next.sequence = std::max(seen.sequence, sequence);
  for (const auto& e : crls.crls()) {
    const std::string id = key_id(e.issuer.get());
    const auto old = seen.crl_numbers.find(id);
    if (old != seen.crl_numbers.end()) {
      const pki::BnPtr was = bn_from_hex(old->second);
      if (BN_cmp(e.number.get(), was.get()) < 0) {
        throw Refused{"trust.crl: CRL Number of " + e.issuer_name + " went back from " +
                      pki::crl::number_text(was.get()) + " to " +
                      pki::crl::number_text(e.number.get()) +
                      " (below the highest seen, kept in trust.state_dir)"};
      }
      if (BN_cmp(e.number.get(), was.get()) == 0) continue;
    }
    next.crl_numbers[id] = bn_hex(e.number.get());
  }
  return next;
}

// trust-state.json's "log" (absent in a file written before the log: none accepted).
LogMark parse_log_mark(const Json& state) {
  const auto log = state.find("log");
  if (log == state.end()) return {};
  if (!log->is_object() || log->size() != 2) {
    throw pki::Error(Exit::data, "log must be {\"tree_size\":N,\"root_hash\":\"<64 hex>\"}");
  }
  const auto size = log->find("tree_size");
  const auto root = log->find("root_hash");
  if (size == log->end() || !size->is_number_unsigned() ||
      size->get<std::uint64_t>() > kMaxLogLeaves || root == log->end() || !root->is_string() ||
      normalize_pin(root->get<std::string>()) != root->get<std::string>()) {
    throw pki::Error(Exit::data, "log must be {\"tree_size\":N,\"root_hash\":\"<64 hex>\"}");
  }
  return {size->get<std::uint64_t>(), root->get<std::string>()};
}

// Step 5: the transparency log, when the (verified) manifest has one or the policy
// requires it. Fills v's log fields and returns the next mark.
LogMark check_log(const TrustFiles& files, const TrustPolicy& policy, const Seen& seen,
                  TrustVerdict& v) {
  if (!manifest_has_log(files.manifest)) {
    if (!policy.require_logged) return seen.log;
    throw Refused{
        "log: the trust set carries no transparency log (the manifest has no \"log\"; "
        "trust.require_logged = true needs an export with log-head.json and "
        "log-leaves.bin)"};
  }
  if (!files.has_log) {
    throw Refused{"log: the manifest has a log but " + std::string(kLogHeadFile) + " or " +
                  std::string(kLogLeavesFile) + " is missing beside it"};
  }
  LogVerdict lv = verify_log(files.manifest, files.log_head, files.log_leaves, seen.log);
  if (!lv.ok) {
    v.log_inconsistent = lv.inconsistent;
    throw Refused{lv.reason};
  }
  v.has_log = true;
  v.log_head = std::move(lv.head);
  return {v.log_head.tree_size, v.log_head.root_hash};
}

}  // namespace

std::string normalize_pin(std::string_view pin) {
  std::string out;
  for (const char ch : pin.substr(0, 256)) {
    if (ch == ':') continue;
    if (std::isxdigit(static_cast<unsigned char>(ch)) == 0) return "";
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out.size() == 64 ? out : "";
}

std::string check_pin(std::string_view pin) {
  if (!normalize_pin(pin).empty()) return "";
  return "'" + std::string(pin.substr(0, 100)) +
         "' is not a SHA-256 fingerprint (64 hex digits, colons allowed: what `openssl x509 "
         "-noout -fingerprint -sha256` prints)";
}

Seen parse_seen(std::string_view text) {
  if (text.size() > kMaxManifestBytes) throw pki::Error(Exit::data, "too large");
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || j["format"] != kStateFormat) {
    throw pki::Error(Exit::data,
                     "not a trust state file (format " + std::string(kStateFormat) + ")");
  }
  Seen s;
  const auto seq = j.find("sequence");
  if (seq == j.end() || !seq->is_number_unsigned() ||
      seq->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw pki::Error(Exit::data, "sequence must be a non-negative integer");
  }
  s.sequence = static_cast<std::int64_t>(seq->get<std::uint64_t>());
  const auto nums = j.find("crl_numbers");
  if (nums == j.end() || !nums->is_object() || nums->size() > kMaxSeenCas) {
    throw pki::Error(Exit::data, "crl_numbers must be an object");
  }
  for (const auto& [id, number] : nums->items()) {
    if (id.size() != 64 || normalize_pin(id) != id || !number.is_string()) {
      throw pki::Error(Exit::data, "crl_numbers: bad entry '" + id.substr(0, 64) + "'");
    }
    (void)bn_from_hex(number.get<std::string>());
    s.crl_numbers[id] = number.get<std::string>();
  }
  s.log = parse_log_mark(j);
  return s;
}

std::string write_seen(const Seen& seen) {
  Json nums = Json::object();
  for (const auto& [id, n] : seen.crl_numbers) nums[id] = n;
  Json j{{"format", kStateFormat}, {"sequence", seen.sequence}, {"crl_numbers", nums}};
  if (!seen.log.empty()) {
    j["log"] = {{"tree_size", seen.log.tree_size}, {"root_hash", seen.log.root_hash}};
  }
  return j.dump(1) + "\n";
}

TrustVerdict verify_trust(const TrustFiles& files, const TrustPolicy& policy, const Seen& seen,
                          const RevocationSet* previous, std::int64_t now) noexcept {
  TrustVerdict v;
  try {
    try {
      // With the manifest, a rollback against the set in use is judged below (as
      // TRUST_REJECTED, after the manifest's own sequence); without it, as before.
      v.set = load_trust(files.bundle, files.crl, policy.require_manifest ? nullptr : previous);
    } catch (const pki::Error& e) {
      v.reason = e.what();
      return v;
    }
    const std::vector<X509*> anchors = pinned_anchors(*v.set.bundle, policy.pins);
    if (policy.require_manifest) {
      pki::X509Ptr signer;
      pki::X509Ptr anchor;
      v.sequence = check_manifest(files, anchors, seen, now, &signer, &anchor);
      if (previous != nullptr) {
        if (auto rollback = v.set.crls->rollback_from(*previous)) {
          throw Refused{"trust.crl: " + *rollback};
        }
      }
      if (v.set.crls->check(signer.get(), anchor.get()) == RevocationSet::Status::revoked) {
        throw Refused{"trust.manifest: the publisher certificate " + subject(signer.get()) +
                      " is revoked"};
      }
    }
    v.seen = check_numbers(*v.set.crls, seen, v.sequence);
    if (policy.require_manifest) v.seen.log = check_log(files, policy, seen, v);
    v.ok = true;
  } catch (const Refused& r) {
    v.trust_rejected = true;
    v.reason = r.reason;
  } catch (const std::exception& e) {
    v.trust_rejected = true;
    v.reason = std::string("trust: ") + e.what();
  }
  if (!v.ok) {
    v.set = {};
    v.has_log = false;
    v.log_head = {};
  }
  pki::clear_ossl_errors();
  return v;
}

std::filesystem::path manifest_path(const std::filesystem::path& bundle) {
  return bundle.parent_path() / kManifestFile;
}
std::filesystem::path signature_path(const std::filesystem::path& bundle) {
  return bundle.parent_path() / kSignatureFile;
}
std::filesystem::path log_head_path(const std::filesystem::path& bundle) {
  return bundle.parent_path() / kLogHeadFile;
}
std::filesystem::path log_leaves_path(const std::filesystem::path& bundle) {
  return bundle.parent_path() / kLogLeavesFile;
}

OwnedTrustFiles read_trust_files(const std::filesystem::path& bundle,
                                 const std::filesystem::path& crl, bool with_manifest) {
  const auto read = [](const char* key, const std::filesystem::path& p, pki::fs::Limit limit) {
    try {
      return pki::fs::read_file(p, limit);
    } catch (const pki::Error& e) {
      throw pki::Error(e.code(), std::string(key) + ": " + e.what());
    }
  };
  OwnedTrustFiles f;
  f.bundle = read("trust.bundle", bundle, pki::fs::kTrustLimit);
  f.crl = read("trust.crl", crl, pki::fs::kTrustLimit);
  if (with_manifest) {
    constexpr pki::fs::Limit kManifestLimit{kMaxManifestBytes, "manifest or its signature"};
    f.manifest = read("trust.manifest", manifest_path(bundle), kManifestLimit);
    f.signature = read("trust.manifest", signature_path(bundle), kManifestLimit);
    std::error_code ec;
    if (std::filesystem::exists(log_head_path(bundle), ec) ||
        std::filesystem::exists(log_leaves_path(bundle), ec)) {
      constexpr pki::fs::Limit kHeadLimit{kMaxLogHeadBytes, "log head (log-head.json)"};
      f.log_head = read("log", log_head_path(bundle), kHeadLimit);
      try {
        f.log_leaves = read_log_leaves(log_leaves_path(bundle).string());
      } catch (const pki::Error& e) {
        const std::string what = e.what();
        throw pki::Error(e.code(), what.rfind("log: ", 0) == 0 ? what : "log: " + what);
      }
      f.has_log = true;
    }
  }
  return f;
}

Seen read_seen(const std::filesystem::path& state_dir) {
  const std::filesystem::path p = state_dir / kStateFile;
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return {};
  try {
    return parse_seen(pki::fs::read_file(p, pki::fs::kStateLimit));
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::config, "trust.state_dir: " + p.string() + ": " + e.what() +
                                       " (it holds the highest manifest sequence and CRL "
                                       "Numbers seen; restore it from a backup)");
  }
}

void store_seen(const std::filesystem::path& state_dir, const Seen& seen) {
  std::error_code ec;
  if (std::filesystem::create_directories(state_dir, ec) && !ec) {
    std::filesystem::permissions(state_dir, std::filesystem::perms(0700), ec);
  }
  pki::fs::write_file_atomic(state_dir / kStateFile, write_seen(seen), 0600);
}

}  // namespace gw::revocation
