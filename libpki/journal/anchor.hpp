// SPDX-License-Identifier: Apache-2.0
#pragma once
// The journal head an exported manifest vouches for: `iot-ca export` writes into
// manifest.json the seq and hash of its own journal record ("journal": {"seq", "hash"}).
// `iot-ca journal verify --manifest F` checks that the journal still reaches that record
// with that hash: records cut from the tail, or a chain recomputed after an edit, no
// longer match a copy that left the machine.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace pki::journal {

struct Anchor {
  std::string source;  // the manifest's path, for messages
  std::int64_t seq = 0;
  std::string hash;  // 64 lowercase hex
  std::int64_t sequence = 0;
  std::string generated_at;
  std::map<std::string, std::int64_t> crl_numbers;  // from "cas": name → crl_number
  // What journal verify says about manifest.json.p7s (signature_status()).
  std::string signature;
};

// The largest manifest read (an export names a few files and CAs: a few KiB).
inline constexpr std::size_t kManifestMaxBytes = std::size_t{1} << 20;

// Parses manifest.json text. Strict where it is read: a JSON object (nesting at most
// 8 deep), "format" "iot-pki-trust/1", "sequence" an integer ≥ 1, "generated_at" a
// string, "journal" an object of exactly "seq" (integer ≥ 1) and "hash" (64 lowercase
// hex), "cas" an array of objects each with a string "name" and an integer
// "crl_number" ≥ 1. Other members (file lists, future fields) are ignored.
// Error(data) naming `what` and the first problem.
[[nodiscard]] Anchor parse_anchor(std::string_view text, std::string_view what);

// Reads (capped at kManifestMaxBytes, regular file only) and parses `manifest`.
[[nodiscard]] Anchor read_anchor(const std::filesystem::path& manifest);

// The one place that looks at the manifest's detached signature (manifest.json.p7s,
// SPEC §10) beside it.
[[nodiscard]] std::string signature_status(const std::filesystem::path& manifest);

}  // namespace pki::journal
