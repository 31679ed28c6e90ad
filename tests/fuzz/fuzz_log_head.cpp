// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the gateway's check of an exported transparency log, exactly what
// the reloader, start-up and check-config run through verify_trust
// (gw::revocation::verify_log: parse_log_head, the manifest's "log" and file entries,
// the leaves' size, SHA-256 and Merkle root, consistency with the last accepted head).
//
// Input: one mode byte, then log-head.json, then each further part after its separator
// line below (absent parts are empty): log-leaves.bin, manifest.json, and the previous
// mark as "<tree_size> <root hex>". Modes (the byte mod 3): 0 every part as given;
// 1 the manifest is derived from the head and leaves given (so a fuzzed head reaches
// the leaf checks); 2 as 1, and the head's leaves.size and sha256 are set to the leaves'
// (so fuzzed leaves reach the root and consistency checks).
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/encoding.hpp"
#include "gateway/revocation/log_set.hpp"

namespace {

using Json = nlohmann::json;
constexpr std::array<std::string_view, 3> kSeparators = {
    "\n#--- leaves ---#\n", "\n#--- manifest ---#\n", "\n#--- previous ---#\n"};

std::string derived_manifest(const std::string& head, std::string_view leaves) {
  const Json h = Json::parse(head, nullptr, false);
  Json m = {{"format", "iot-pki-trust/1"},
            {"sequence", 1},
            {"files",
             {{{"name", "log-head.json"}, {"size", head.size()}, {"sha256", pki::sha256_hex(head)}},
              {{"name", "log-leaves.bin"},
               {"size", leaves.size()},
               {"sha256", pki::sha256_hex(leaves)}}}}};
  if (h.is_object() && h.contains("tree_size") && h.contains("root_hash")) {
    m["log"] = {{"tree_size", h["tree_size"]}, {"root_hash", h["root_hash"]}};
  }
  return m.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (1 << 20)) return 0;
  const int mode = data[0] % 3;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::array<std::string_view, 4> parts{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t at = i < kSeparators.size() ? in.find(kSeparators[i]) : in.npos;
    parts[i] = in.substr(0, at);
    if (at == in.npos) break;
    in.remove_prefix(at + kSeparators[i].size());
  }
  std::string head(parts[0]);
  const std::string_view leaves = parts[1];
  if (mode == 2) {
    Json h = Json::parse(head, nullptr, false);
    if (h.is_object() && h.contains("leaves") && h["leaves"].is_object()) {
      h["leaves"]["size"] = leaves.size();
      h["leaves"]["sha256"] = pki::sha256_hex(leaves);
      head = h.dump(2) + "\n";
    }
  }
  const std::string manifest = mode == 0 ? std::string(parts[2]) : derived_manifest(head, leaves);
  gw::revocation::LogMark previous;
  if (const std::string_view p = parts[3]; p.size() > 65) {
    const std::size_t space = p.find(' ');
    if (space != p.npos && p.size() - space - 1 == 64) {
      std::uint64_t n = 0;
      for (const char c : p.substr(0, std::min<std::size_t>(space, 18))) {
        if (c >= '0' && c <= '9') n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      previous = {n, std::string(p.substr(space + 1))};
    }
  }
  const auto v = gw::revocation::verify_log(manifest, head, leaves, previous);
  if (v.ok) {
    // An accepted head names exactly the leaves given, and they hash to its root.
    if (v.head.tree_size * gw::revocation::kLeafBytes != leaves.size() ||
        pki::hex_lower(gw::revocation::tree_hash(leaves)) != v.head.root_hash) {
      __builtin_trap();
    }
  }
  return 0;
}
