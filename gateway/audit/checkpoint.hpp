// SPDX-License-Identifier: Apache-2.0
#pragma once
// Signed checkpoints of the audit log (SPEC §10, AUDIT_CHECKPOINT). A checkpoint is a
// record of the chain like any other; its `sig` is an Ed25519 signature, by a key of
// the gateway's own ([audit] checkpoint_key, made by `iot-gateway audit key new`), over
// the bytes signed_bytes() returns, which are built from the record's own fields:
//
//   "iot-gateway audit checkpoint v1\n"
//   "kind:" kind "\n"              open | start | periodic | shutdown
//   "seq:" seq "\n"                the checkpoint's own seq (decimal)
//   "prev:" prev "\n"              its prev: SHA-256 hex of the line before it
//   "ts:" ts "\n"                  its ts, exactly as in the line
//   "interval_ms:" interval "\n"   the next checkpoint is due within this (decimal)
//   "kid:" kid "\n"                SHA-256 hex of the key's SubjectPublicKeyInfo DER
//
// so the signature covers every line before it through the hash chain. The line
// carries `kid`, `checkpoint` (the kind), `interval_ms` and `sig` (base64, padded, of
// the 64-byte signature). docs/trust.md shows the check with `openssl pkeyutl`.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/handles.hpp"

namespace gw::audit {

namespace fs = std::filesystem;

// open: the first record of a new file (the chain's genesis, or the file logrotate left
// empty: it carries the previous file's last hash); start: the gateway started on a
// file that already had records; periodic: every checkpoint_every records or
// checkpoint_interval; shutdown: the last record of a clean stop.
enum class CheckpointKind : std::uint8_t { open, start, periodic, shutdown };
[[nodiscard]] std::string_view kind_name(CheckpointKind k);

[[nodiscard]] std::string signed_bytes(std::string_view kind, std::uint64_t seq,
                                       std::string_view prev, std::string_view ts,
                                       std::int64_t interval_ms, std::string_view kid);

// SHA-256 hex of the public key's SubjectPublicKeyInfo DER
// (`openssl pkey -pubin -outform DER | sha256sum`).
[[nodiscard]] std::string key_id(EVP_PKEY* key);

// The gateway's private checkpoint key (PKCS#8 PEM, unencrypted, 0600).
class CheckpointKey {
 public:
  // Throws pki::Error(config) naming the file: unreadable, shared with group/others,
  // not an Ed25519 private key.
  static std::shared_ptr<const CheckpointKey> load(const fs::path& file);
  [[nodiscard]] const std::string& kid() const { return kid_; }
  // base64 of the Ed25519 signature over `msg`.
  [[nodiscard]] std::string sign(std::string_view msg) const;

 private:
  pki::PkeyPtr key_;
  std::string kid_;
};

// Writes a new Ed25519 key to `file` (0600, refusing to overwrite) and its public key
// to `file`.pub (PEM SPKI, 0644); returns the kid.
std::string create_checkpoint_key(const fs::path& file);

// The verifier's side: a public key PEM, or a certificate PEM holding one.
class CheckpointVerifier {
 public:
  // Throws pki::Error(no_input / data) naming the file.
  static CheckpointVerifier load(const fs::path& file);
  // The same from PEM text; `what` names it in errors.
  static CheckpointVerifier from_pem(std::string_view pem, const std::string& what);
  [[nodiscard]] const std::string& kid() const { return kid_; }
  [[nodiscard]] bool verify(std::string_view msg, std::string_view sig_b64) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string kid_;
};

}  // namespace gw::audit
