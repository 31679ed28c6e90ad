// SPDX-License-Identifier: Apache-2.0
#pragma once
// The issuance transparency log's Merkle tree, RFC 9162 §2.1, sans-IO: leaf and node
// hashes, the tree head (MTH) of a list of leaf hashes, inclusion (§2.1.3) and
// consistency (§2.1.4) proofs and their verification. An entry is one certificate's
// DER; leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), the empty
// tree's root = SHA-256(""). Verification is what `iot-ca log verify`, the tests and the
// gateway reuse; generation needs every leaf hash of the tree in memory (32 B each).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pki::translog {

using Hash = std::array<unsigned char, 32>;

[[nodiscard]] Hash leaf_hash(std::span<const unsigned char> entry);
[[nodiscard]] Hash node_hash(const Hash& left, const Hash& right);
[[nodiscard]] Hash empty_root();

// The DER of the first CERTIFICATE block of `pem` (base64 only, not parsed as ASN.1);
// nullopt when there is none.
[[nodiscard]] std::optional<std::string> pem_certificate_der(std::string_view pem);

[[nodiscard]] std::string to_hex(const Hash& h);  // 64 lowercase hex digits
// Exactly 64 hex digits (either case), else nullopt.
[[nodiscard]] std::optional<Hash> hash_from_hex(std::string_view hex);
// Exactly 32 bytes, else nullopt.
[[nodiscard]] std::optional<Hash> hash_from_bytes(std::string_view bytes);

// The root of a growing list of leaf hashes in O(log n) memory: the "compact range"
// of perfect subtrees, merged as they complete.
class RootBuilder {
 public:
  void add(const Hash& leaf);
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] Hash root() const;

 private:
  std::vector<Hash> stack_;  // perfect subtrees, largest (leftmost) first
  std::uint64_t size_ = 0;
};

[[nodiscard]] Hash root_of(std::span<const Hash> leaves);

// Every node of a tree of `leaves` (RFC 9162 shape: a level's lone last node moves up
// unchanged), for many proofs over one tree at O(log n) hashes each. ~2 × 32 B a leaf.
class Tree {
 public:
  explicit Tree(std::vector<Hash> leaves);
  [[nodiscard]] std::uint64_t size() const noexcept { return levels_.front().size(); }
  [[nodiscard]] Hash root() const;
  // PATH(index, D[size]) of §2.1.3.1, leaf side first. Requires index < size().
  [[nodiscard]] std::vector<Hash> inclusion_proof(std::uint64_t index) const;
  // PROOF(old_size, D[size]) of §2.1.4.1. Empty when old_size is 0 or size().
  // Requires old_size <= size().
  [[nodiscard]] std::vector<Hash> consistency_proof(std::uint64_t old_size) const;

 private:
  [[nodiscard]] Hash subtree(std::uint64_t lo, std::uint64_t hi) const;
  void subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool whole,
                std::vector<Hash>& out) const;
  std::vector<std::vector<Hash>> levels_;  // levels_[0] = the leaves
};

// §2.1.3.2: true when `proof` proves `leaf` at `index` in the tree of `size` with `root`.
[[nodiscard]] bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                                    std::span<const Hash> proof, const Hash& root);
// §2.1.4.2: true when `proof` proves the tree (old_size, old_root) is a prefix of
// (new_size, new_root). old_size 0 (the empty tree) and old_size == new_size take an
// empty proof (and, for equal sizes, equal roots).
[[nodiscard]] bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                      const Hash& old_root, const Hash& new_root,
                                      std::span<const Hash> proof);

}  // namespace pki::translog
