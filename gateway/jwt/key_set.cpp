// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/key_set.hpp"

#include <openssl/pem.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/jwt/jose.hpp"

namespace gw::jwt {
namespace {

namespace fs = std::filesystem;

// Never prompt: an encrypted key file is a configuration error, not a TTY question.
int no_password(char*, int, int, void*) {
  return -1;
}

pki::PkeyPtr read_key(const fs::path& file) {
  const pki::Secret pem = pki::fs::read_private_file(file);
  const pki::BioPtr bio(BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  if (!bio) pki::throw_ossl(pki::Exit::internal, "BIO_new_mem_buf");
  pki::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key)
    pki::throw_ossl(pki::Exit::config, file.string() + ": not an unencrypted PEM private key");
  if (!is_p256(key.get()))
    throw pki::Error(pki::Exit::config, file.string() + ": not an EC P-256 key");
  return key;
}

std::int64_t mtime_ns(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) pki::throw_errno(pki::Exit::io, "stat " + file.string());
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::shared_ptr<const KeySet> KeySet::load(const fs::path& dir) {
  auto set = std::make_shared<KeySet>();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw pki::Error(pki::Exit::config, "jwt.keys_dir " + dir.string() + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.path().extension() != ".key" || !entry.is_regular_file()) continue;
    auto k = std::make_shared<SigningKey>();
    k->key = read_key(entry.path());
    k->kid = jwk_thumbprint(k->key.get());
    k->mtime_ns = mtime_ns(entry.path());
    if (entry.path().stem() != k->kid) {
      throw pki::Error(pki::Exit::config, entry.path().string() +
                                              ": file name is not the key's kid " + k->kid +
                                              "; rename it to " + k->kid + ".key");
    }
    // Newest signs; equal times fall back to the larger kid so the choice is stable.
    if (!set->signer_ ||
        std::tie(k->mtime_ns, k->kid) > std::tie(set->signer_->mtime_ns, set->signer_->kid)) {
      set->signer_ = k;
    }
    set->keys_.emplace(k->kid, std::move(k));
  }
  if (!set->signer_) {
    throw pki::Error(pki::Exit::config,
                     "jwt.keys_dir " + dir.string() +
                         " holds no <kid>.key; run: iot-gateway jwt-key new --dir " + dir.string());
  }
  return set;
}

std::shared_ptr<const KeySet> KeySet::from_keys(std::vector<pki::PkeyPtr> keys) {
  auto set = std::make_shared<KeySet>();
  for (auto& key : keys) {
    auto k = std::make_shared<SigningKey>();
    k->kid = jwk_thumbprint(key.get());
    k->key = std::move(key);
    if (!set->signer_) set->signer_ = k;
    set->keys_.emplace(k->kid, std::move(k));
  }
  if (!set->signer_) throw pki::Error(pki::Exit::config, "no keys");
  return set;
}

const SigningKey* KeySet::find(std::string_view kid) const {
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

nlohmann::json KeySet::jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [kid, k] : keys_) {
    nlohmann::json jwk = public_jwk(k->key.get());
    jwk["kid"] = kid;
    jwk["use"] = "sig";
    jwk["alg"] = "ES256";
    keys.push_back(std::move(jwk));
  }
  return {{"keys", std::move(keys)}};
}

std::string create_key(const fs::path& dir) {
  pki::fs::ensure_private_dir(dir);
  const pki::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) pki::throw_ossl(pki::Exit::internal, "EC P-256 key generation failed");
  const pki::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    pki::throw_ossl(pki::Exit::internal, "cannot encode the key as PKCS#8");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  const std::string kid = jwk_thumbprint(key.get());
  pki::fs::write_file_atomic(dir / (kid + ".key"),
                             std::string_view(data, static_cast<std::size_t>(len)), 0600);
  return kid;
}

}  // namespace gw::jwt
