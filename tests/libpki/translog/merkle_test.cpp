// SPDX-License-Identifier: Apache-2.0
// The issuance log's Merkle tree against the RFC 6962/9162 reference vectors (the
// Certificate Transparency test data, used as data), and property checks over every
// tree size 0..130: each inclusion and consistency proof verifies, and changing any byte
// of a proof, the root or the sizes makes it fail.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "translog/merkle.hpp"

namespace tl = pki::translog;

namespace {

tl::Hash h(std::string_view hex) {
  return *tl::hash_from_hex(hex);
}

std::vector<tl::Hash> hashes(std::initializer_list<std::string_view> hex) {
  std::vector<tl::Hash> out;
  for (auto x : hex) out.push_back(h(x));
  return out;
}

// The eight reference entries of the CT test data and the root after each.
std::vector<tl::Hash> reference_leaves() {
  std::vector<tl::Hash> out;
  for (std::string_view e : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                             "606162636465666768696a6b6c6d6e6f"}) {
    out.push_back(tl::leaf_hash(*pki::hex_decode(e)));
  }
  return out;
}

const std::vector<tl::Hash> kReferenceRoots = hashes({
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
});

std::vector<tl::Hash> prefix(const std::vector<tl::Hash>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<tl::Hash> synthetic_leaves(std::size_t n) {
  std::vector<tl::Hash> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(tl::leaf_hash(pki::as_bytes(std::to_string(i))));
  return out;
}

// Flips bytes of `step` one at a time (every byte in trees up to 40 leaves, one rotating
// byte a step above, to keep the run short) and requires `verifies` to say false.
template <class F>
void for_bytes(tl::Hash& step, std::size_t n, const F& verifies) {
  for (std::size_t b = 0; b < step.size(); ++b) {
    if (n > 40 && b != n % 32) continue;
    step[b] ^= 0x01;
    REQUIRE_FALSE(verifies());
    step[b] ^= 0x01;
  }
}

}  // namespace

TEST_CASE("the tree head of the reference entries matches RFC 6962's for every size 0..8") {
  const auto leaves = reference_leaves();
  for (std::size_t n = 0; n <= 8; ++n) {
    CAPTURE(n);
    CHECK(tl::root_of(prefix(leaves, n)) == kReferenceRoots[n]);
    CHECK(tl::Tree(prefix(leaves, n)).root() == kReferenceRoots[n]);
  }
  CHECK(tl::empty_root() == kReferenceRoots[0]);
}

TEST_CASE("inclusion proofs of the reference tree are the published paths and verify") {
  const tl::Tree tree(reference_leaves());
  const auto p0 = hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
  const auto p5 = hashes({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  CHECK(tree.inclusion_proof(0) == p0);
  CHECK(tree.inclusion_proof(5) == p5);
  const auto leaves = reference_leaves();
  CHECK(tl::verify_inclusion(0, 8, leaves[0], p0, kReferenceRoots[8]));
  CHECK(tl::verify_inclusion(5, 8, leaves[5], p5, kReferenceRoots[8]));
  CHECK_FALSE(tl::verify_inclusion(4, 8, leaves[5], p5, kReferenceRoots[8]));
}

TEST_CASE("consistency proofs of the reference tree are the published paths and verify") {
  const auto leaves = reference_leaves();
  const auto p68 = hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  const auto p25 = hashes({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"});
  const auto p18 = hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
  CHECK(tl::Tree(leaves).consistency_proof(6) == p68);
  CHECK(tl::Tree(prefix(leaves, 5)).consistency_proof(2) == p25);
  CHECK(tl::Tree(leaves).consistency_proof(1) == p18);
  CHECK(tl::verify_consistency(6, 8, kReferenceRoots[6], kReferenceRoots[8], p68));
  CHECK(tl::verify_consistency(2, 5, kReferenceRoots[2], kReferenceRoots[5], p25));
  CHECK(tl::verify_consistency(1, 8, kReferenceRoots[1], kReferenceRoots[8], p18));
}

TEST_CASE("every inclusion proof in trees of 0..130 leaves verifies, and no changed byte does") {
  const auto all = synthetic_leaves(130);
  std::size_t proofs = 0;
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const tl::Tree tree(prefix(all, n));
    const tl::Hash root = tree.root();
    REQUIRE(root == tl::root_of(prefix(all, n)));
    for (std::uint64_t i = 0; i < n; ++i) {
      auto proof = tree.inclusion_proof(i);
      const tl::Hash& leaf = all[static_cast<std::size_t>(i)];
      REQUIRE(tl::verify_inclusion(i, n, leaf, proof, root));
      ++proofs;
      for (auto& step : proof) {
        for_bytes(step, n, [&] { return tl::verify_inclusion(i, n, leaf, proof, root); });
      }
      tl::Hash bad_root = root;
      bad_root[static_cast<std::size_t>(i % 32)] ^= 0x80;
      REQUIRE_FALSE(tl::verify_inclusion(i, n, leaf, proof, bad_root));
      REQUIRE_FALSE(tl::verify_inclusion(i, n, tl::node_hash(leaf, leaf), proof, root));
      if (i > 0) REQUIRE_FALSE(tl::verify_inclusion(i - 1, n, leaf, proof, root));
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        REQUIRE_FALSE(tl::verify_inclusion(i, n, leaf, shorter, root));
      }
      auto longer = proof;
      longer.push_back(leaf);
      REQUIRE_FALSE(tl::verify_inclusion(i, n, leaf, longer, root));
    }
  }
  CHECK(proofs == 130 * 131 / 2);
}

TEST_CASE(
    "every consistency proof between trees of 0..130 leaves verifies, and no changed byte does") {
  const auto all = synthetic_leaves(130);
  std::vector<tl::Hash> roots;
  for (std::size_t n = 0; n <= all.size(); ++n) roots.push_back(tl::root_of(prefix(all, n)));
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const tl::Tree tree(prefix(all, n));
    for (std::uint64_t m = 0; m <= n; ++m) {
      CAPTURE(m);
      CAPTURE(n);
      auto proof = tree.consistency_proof(m);
      REQUIRE(tl::verify_consistency(m, n, roots[m], roots[n], proof));
      for (auto& step : proof) {
        for_bytes(step, n, [&] { return tl::verify_consistency(m, n, roots[m], roots[n], proof); });
      }
      if (m > 0 && m < n) {
        REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m - 1], roots[n], proof));
        REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m], roots[n - 1], proof));
        REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m], roots[n], {}));
        auto shorter = proof;
        shorter.pop_back();
        REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m], roots[n], shorter));
        auto longer = proof;
        longer.push_back(roots[m]);
        REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m], roots[n], longer));
      }
      if (m == n && n > 0) REQUIRE_FALSE(tl::verify_consistency(m, n, roots[m - 1], roots[n], {}));
    }
  }
  CHECK_FALSE(tl::verify_consistency(5, 3, roots[5], roots[3], {}));
  CHECK_FALSE(tl::verify_consistency(0, 8, roots[1], roots[8], {}));
}

TEST_CASE("the streaming root equals the tree's for every size while it grows") {
  const auto all = synthetic_leaves(300);
  tl::RootBuilder b;
  for (std::size_t n = 0; n <= all.size(); ++n) {
    CHECK(b.size() == n);
    REQUIRE(b.root() == tl::Tree(prefix(all, n)).root());
    if (n < all.size()) b.add(all[n]);
  }
}

TEST_CASE("a certificate's entry is the DER of its PEM block, and other input has none") {
  const std::string pem =
      "junk\n-----BEGIN CERTIFICATE-----\nAAEC/w==\n-----END CERTIFICATE-----\n";
  const auto der = tl::pem_certificate_der(pem);
  REQUIRE(der.has_value());
  CHECK(*der == std::string("\x00\x01\x02\xff", 4));
  CHECK_FALSE(tl::pem_certificate_der("-").has_value());
  CHECK_FALSE(tl::pem_certificate_der("").has_value());
  CHECK_FALSE(
      tl::pem_certificate_der("-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n")
          .has_value());
  CHECK_FALSE(tl::hash_from_hex(std::string(63, 'a')).has_value());
  CHECK_FALSE(tl::hash_from_hex(std::string(64, 'g')).has_value());
  CHECK(tl::to_hex(*tl::hash_from_hex(std::string(64, 'A'))) == std::string(64, 'a'));
}
