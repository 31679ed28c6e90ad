// SPDX-License-Identifier: Apache-2.0
#include "gateway/audit/checkpoint.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <system_error>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "fsutil/files.hpp"

namespace gw::audit {
namespace {

constexpr std::size_t kSigBytes = 64;  // Ed25519

int no_password(char*, int, int, void*) {
  return -1;
}

bool is_ed25519(EVP_PKEY* key) {
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

pki::BioPtr mem_bio(std::string_view data) {
  pki::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) pki::throw_ossl(pki::Exit::internal, "BIO_new_mem_buf");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(len)};
}

}  // namespace

std::string_view kind_name(CheckpointKind k) {
  switch (k) {
    case CheckpointKind::open:
      return "open";
    case CheckpointKind::start:
      return "start";
    case CheckpointKind::periodic:
      return "periodic";
    case CheckpointKind::shutdown:
      return "shutdown";
  }
  return "periodic";
}

std::string signed_bytes(std::string_view kind, std::uint64_t seq, std::string_view prev,
                         std::string_view ts, std::int64_t interval_ms, std::string_view kid) {
  std::string out = "iot-gateway audit checkpoint v1\n";
  out.append("kind:").append(kind).append("\n");
  out.append("seq:").append(std::to_string(seq)).append("\n");
  out.append("prev:").append(prev).append("\n");
  out.append("ts:").append(ts).append("\n");
  out.append("interval_ms:").append(std::to_string(interval_ms)).append("\n");
  out.append("kid:").append(kid).append("\n");
  return out;
}

std::string key_id(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) pki::throw_ossl(pki::Exit::internal, "cannot encode the checkpoint public key");
  const std::string kid = pki::sha256_hex(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return kid;
}

std::shared_ptr<const CheckpointKey> CheckpointKey::load(const fs::path& file) {
  const pki::Secret pem = pki::fs::read_private_file(file);
  const pki::BioPtr bio = mem_bio(pem.view());
  pki::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) {
    pki::throw_ossl(pki::Exit::config,
                    file.string() + ": not an unencrypted PEM private key (audit.checkpoint_key)");
  }
  if (!is_ed25519(key.get())) {
    throw pki::Error(
        pki::Exit::config,
        file.string() + ": not an Ed25519 key (make one with iot-gateway audit key new)");
  }
  auto out = std::shared_ptr<CheckpointKey>(new CheckpointKey);
  out->kid_ = key_id(key.get());
  out->key_ = std::move(key);
  return out;
}

std::string CheckpointKey::sign(std::string_view msg) const {
  const pki::MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char sig[kSigBytes];
  std::size_t len = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size()) != 1 ||
      len != kSigBytes) {
    pki::throw_ossl(pki::Exit::internal, "Ed25519 signing of an audit checkpoint failed");
  }
  return pki::base64({sig, len});
}

std::string create_checkpoint_key(const fs::path& file) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     file.string() +
                         " exists; remove it first (a new key needs a new --key for "
                         "audit verify)");
  }
  const pki::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) pki::throw_ossl(pki::Exit::internal, "Ed25519 key generation failed");
  const pki::BioPtr priv(BIO_new(BIO_s_secmem()));
  const pki::BioPtr pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub ||
      PEM_write_bio_PKCS8PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    pki::throw_ossl(pki::Exit::internal, "cannot encode the checkpoint key");
  }
  // A missing directory is made private; an existing one is left as it is.
  if (file.has_parent_path() && !fs::exists(file.parent_path(), ec)) {
    pki::fs::ensure_private_dir(file.parent_path());
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(priv.get(), &data);
  pki::fs::write_file_atomic(file, std::string_view(data, static_cast<std::size_t>(len)), 0600);
  fs::path pub_file = file;
  pub_file += ".pub";
  pki::fs::write_file_atomic(pub_file, bio_text(pub.get()), 0644);
  return key_id(key.get());
}

CheckpointVerifier CheckpointVerifier::load(const fs::path& file) {
  return from_pem(pki::fs::read_file(file, pki::fs::kCertLimit), file.string());
}

CheckpointVerifier CheckpointVerifier::from_pem(std::string_view pem, const std::string& what) {
  CheckpointVerifier v;
  {
    const pki::BioPtr bio = mem_bio(pem);
    if (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr)) {
      v.key_.reset(k, EVP_PKEY_free);
    }
  }
  if (!v.key_) {
    const pki::BioPtr bio = mem_bio(pem);
    const pki::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
    if (cert) {
      if (EVP_PKEY* k = X509_get_pubkey(cert.get())) v.key_.reset(k, EVP_PKEY_free);
    }
  }
  if (!v.key_) {
    throw pki::Error(pki::Exit::data, what + ": neither a PEM public key nor a PEM certificate");
  }
  if (!is_ed25519(v.key_.get())) {
    throw pki::Error(pki::Exit::data, what + ": not an Ed25519 public key");
  }
  v.kid_ = key_id(v.key_.get());
  return v;
}

bool CheckpointVerifier::verify(std::string_view msg, std::string_view sig_b64) const {
  // Exactly the one padded encoding of 64 bytes (88 characters ending "=="): no other
  // spelling of the same signature is accepted.
  if (sig_b64.size() != 88 || sig_b64.substr(86) != "==") return false;
  unsigned char raw[66] = {};
  if (EVP_DecodeBlock(raw, reinterpret_cast<const unsigned char*>(sig_b64.data()), 88) != 66) {
    return false;
  }
  if (pki::base64({raw, kSigBytes}) != sig_b64) return false;
  const pki::MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), raw, kSigBytes,
                          reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
}

}  // namespace gw::audit
