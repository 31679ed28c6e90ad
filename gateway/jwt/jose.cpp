// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/jose.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>

#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "core/handles.hpp"

namespace gw::jwt {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, pki::Deleter<ECDSA_SIG_free>>;
constexpr int kCoordSize = 32;

pki::Bytes bn_bytes(const BIGNUM* bn) {
  pki::Bytes out(kCoordSize);
  if (BN_bn2binpad(bn, out.data(), kCoordSize) != kCoordSize) return {};
  return out;
}

}  // namespace

std::optional<pki::Bytes> der_to_jose(std::span<const unsigned char> der) {
  const unsigned char* p = der.data();
  const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    pki::clear_ossl_errors();
    return std::nullopt;
  }
  const pki::Bytes r = bn_bytes(ECDSA_SIG_get0_r(sig.get()));
  const pki::Bytes s = bn_bytes(ECDSA_SIG_get0_s(sig.get()));
  if (r.empty() || s.empty()) return std::nullopt;
  pki::Bytes out(r);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

std::optional<pki::Bytes> jose_to_der(std::span<const unsigned char> jose) {
  if (jose.size() != kEs256SigSize) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  pki::BnPtr r(BN_bin2bn(jose.data(), kCoordSize, nullptr));
  pki::BnPtr s(BN_bin2bn(jose.data() + kCoordSize, kCoordSize, nullptr));
  if (!sig || !r || !s) return std::nullopt;
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  // ECDSA_SIG_set0 took ownership of both numbers.
  (void)r.release();
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  pki::Bytes der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

std::optional<pki::Bytes> es256_sign(EVP_PKEY* key, std::string_view data) {
  const pki::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, pki::as_bytes(data).data(), data.size()) != 1) {
    pki::clear_ossl_errors();
    return std::nullopt;
  }
  pki::Bytes der(len);
  if (EVP_DigestSign(ctx.get(), der.data(), &len, pki::as_bytes(data).data(), data.size()) != 1) {
    pki::clear_ossl_errors();
    return std::nullopt;
  }
  der.resize(len);
  return der_to_jose(der);
}

bool es256_verify(EVP_PKEY* key, std::string_view data, std::span<const unsigned char> jose_sig) {
  const auto der = jose_to_der(jose_sig);
  if (!der) return false;
  const pki::MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok = ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), der->data(), der->size(), pki::as_bytes(data).data(),
                                   data.size()) == 1;
  pki::clear_ossl_errors();
  return ok;
}

bool is_p256(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1) {
    pki::clear_ossl_errors();
    return false;
  }
  return std::strcmp(group, SN_X9_62_prime256v1) == 0;
}

nlohmann::json public_jwk(EVP_PKEY* key) {
  if (!is_p256(key)) throw pki::Error(pki::Exit::config, "JWT key is not an EC P-256 key");
  BIGNUM* raw_x = nullptr;
  BIGNUM* raw_y = nullptr;
  const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &raw_x) == 1 &&
                   EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &raw_y) == 1;
  const pki::BnPtr x(raw_x);
  const pki::BnPtr y(raw_y);
  if (!got) pki::throw_ossl(pki::Exit::internal, "cannot read the EC public key");
  const pki::Bytes xb = bn_bytes(x.get());
  const pki::Bytes yb = bn_bytes(y.get());
  if (xb.empty() || yb.empty()) throw pki::Error(pki::Exit::internal, "bad EC coordinates");
  return {{"kty", "EC"}, {"crv", "P-256"}, {"x", pki::base64url(xb)}, {"y", pki::base64url(yb)}};
}

std::string jwk_thumbprint(EVP_PKEY* key) {
  const nlohmann::json jwk = public_jwk(key);
  // RFC 7638 §3.2: exactly these members, lexicographic order, no whitespace.
  const std::string canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" +
                                jwk["x"].get<std::string>() + "\",\"y\":\"" +
                                jwk["y"].get<std::string>() + "\"}";
  return pki::base64url(pki::sha256(canonical));
}

}  // namespace gw::jwt
