// SPDX-License-Identifier: Apache-2.0
#include "translog/merkle.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <bit>
#include <cstring>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace pki::translog {
namespace {

bool lsb(std::uint64_t v) {
  return (v & 1U) != 0;
}

// SHA-256 through one fetched EVP_MD and a per-thread context: SHA256() fetches the
// algorithm on every call in OpenSSL 3, which made a hash of 65 bytes cost ~10 µs.
void sha256_parts(std::span<const unsigned char> a, std::span<const unsigned char> b,
                  unsigned char* out) {
  static EVP_MD* const md = ::EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* ctx = ::EVP_MD_CTX_new();
    ~Ctx() { ::EVP_MD_CTX_free(ctx); }
  };
  thread_local const Ctx c;
  if (md == nullptr || c.ctx == nullptr || ::EVP_DigestInit_ex2(c.ctx, md, nullptr) != 1 ||
      ::EVP_DigestUpdate(c.ctx, a.data(), a.size()) != 1 ||
      ::EVP_DigestUpdate(c.ctx, b.data(), b.size()) != 1 ||
      ::EVP_DigestFinal_ex(c.ctx, out, nullptr) != 1) {
    throw Error(Exit::internal, "SHA-256 failed");
  }
}

// The largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

}  // namespace

Hash leaf_hash(std::span<const unsigned char> entry) {
  static constexpr unsigned char kPrefix[1] = {0x00};
  Hash out{};
  sha256_parts(kPrefix, entry, out.data());
  return out;
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<unsigned char, 65> buf{};
  buf[0] = 0x01;
  std::memcpy(buf.data() + 1, left.data(), 32);
  std::memcpy(buf.data() + 33, right.data(), 32);
  Hash out{};
  sha256_parts(buf, {}, out.data());
  return out;
}

Hash empty_root() {
  Hash out{};
  sha256_parts({}, {}, out.data());
  return out;
}

std::optional<std::string> pem_certificate_der(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;
  BIO* bio = ::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) throw Error(Exit::internal, "out of memory");
  std::optional<std::string> out;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (::PEM_read_bio(bio, &name, &header, &data, &len) != 1) break;
    const bool cert = std::strcmp(name, "CERTIFICATE") == 0;
    if (cert) out.emplace(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
    ::OPENSSL_free(name);
    ::OPENSSL_free(header);
    ::OPENSSL_free(data);
    if (cert) break;
  }
  ::BIO_free(bio);
  ::ERR_clear_error();
  return out;
}

std::string to_hex(const Hash& h) {
  return hex_lower(h);
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  const auto bytes = hex_decode(hex);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  Hash h{};
  std::memcpy(h.data(), bytes->data(), 32);
  return h;
}

std::optional<Hash> hash_from_bytes(std::string_view bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Hash h{};
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

// RootBuilder: the stack holds perfect subtrees of strictly decreasing size, one per
// set bit of size_; adding a leaf merges while the lowest bits carry.
void RootBuilder::add(const Hash& leaf) {
  Hash h = leaf;
  for (std::uint64_t n = size_; lsb(n); n >>= 1) {
    h = node_hash(stack_.back(), h);
    stack_.pop_back();
  }
  stack_.push_back(h);
  ++size_;
}

Hash RootBuilder::root() const {
  if (stack_.empty()) return empty_root();
  Hash r = stack_.back();
  for (auto it = stack_.rbegin() + 1; it != stack_.rend(); ++it) r = node_hash(*it, r);
  return r;
}

Hash root_of(std::span<const Hash> leaves) {
  RootBuilder b;
  for (const auto& l : leaves) b.add(l);
  return b.root();
}

Tree::Tree(std::vector<Hash> leaves) {
  levels_.push_back(std::move(leaves));
  while (levels_.back().size() > 1) {
    const std::vector<Hash>& below = levels_.back();
    std::vector<Hash> up;
    up.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < below.size(); i += 2)
      up.push_back(node_hash(below[i], below[i + 1]));
    if (lsb(below.size())) up.push_back(below.back());  // the lone last node moves up
    levels_.push_back(std::move(up));
  }
}

Hash Tree::root() const {
  return size() == 0 ? empty_root() : levels_.back().front();
}

// MTH(D[lo:hi]) for the ranges the RFC's recursion visits: aligned perfect subtrees, or
// the tree's right edge (hi == size()); each is one stored node.
Hash Tree::subtree(std::uint64_t lo, std::uint64_t hi) const {
  const std::uint64_t n = hi - lo;
  const auto level = static_cast<std::size_t>(std::bit_width(n - 1));  // ceil(log2 n)
  if (level >= levels_.size() || (lo & ((std::uint64_t{1} << level) - 1)) != 0 ||
      (!std::has_single_bit(n) && hi != size())) {
    throw Error(Exit::internal, "translog: subtree range not on the tree (a bug in iot-pki)");
  }
  return levels_[level][static_cast<std::size_t>(lo >> level)];
}

std::vector<Hash> Tree::inclusion_proof(std::uint64_t index) const {
  if (index >= size()) throw Error(Exit::internal, "translog: leaf index past the tree");
  std::vector<Hash> path;
  std::uint64_t i = index;
  for (std::size_t l = 0; l + 1 < levels_.size(); ++l, i >>= 1) {
    const std::uint64_t sibling = i ^ 1U;
    if (sibling < levels_[l].size()) path.push_back(levels_[l][static_cast<std::size_t>(sibling)]);
  }
  return path;
}

// SUBPROOF(m, D[lo:hi], whole) of §2.1.4.1.
void Tree::subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool whole,
                    std::vector<Hash>& out) const {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (!whole) out.push_back(subtree(lo, hi));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(m, lo, lo + k, whole, out);
    out.push_back(subtree(lo + k, hi));
  } else {
    subproof(m - k, lo + k, hi, false, out);
    out.push_back(subtree(lo, lo + k));
  }
}

std::vector<Hash> Tree::consistency_proof(std::uint64_t old_size) const {
  if (old_size > size()) throw Error(Exit::internal, "translog: old size past the tree");
  std::vector<Hash> out;
  if (old_size == 0 || old_size == size()) return out;
  subproof(old_size, 0, size(), true, out);
  return out;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      std::span<const Hash> proof, const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      r = node_hash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && ::CRYPTO_memcmp(r.data(), root.data(), r.size()) == 0;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == 0) return proof.empty() && old_root == empty_root();
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path(proof.begin(), proof.end());
  if (std::has_single_bit(old_size)) path.insert(path.begin(), old_root);
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path.front();
  Hash sr = path.front();
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace pki::translog
