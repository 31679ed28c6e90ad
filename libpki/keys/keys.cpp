// SPDX-License-Identifier: Apache-2.0
#include "keys/keys.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "core/error.hpp"
#include "fsutil/files.hpp"

namespace pki::keys {
namespace {

PkeyPtr generate_ec(const char* curve) {
  PkeyPtr key(::EVP_EC_gen(curve));
  if (!key) throw_ossl(Exit::internal, std::string("EC key generation on ") + curve + " failed");
  return key;
}

// Reads one line from the terminal with echo off.
Secret prompt_tty(const std::string& prompt) {
  const UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!tty.valid()) {
    throw Error(Exit::denied,
                "a passphrase is needed but there is no terminal; use --passphrase-file");
  }
  termios old{};
  const bool have_termios = ::tcgetattr(tty.get(), &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  }
  (void)!::write(tty.get(), prompt.data(), prompt.size());
  Secret line;
  line.buffer().reserve(1024);
  char c = 0;
  while (line.size() < 1023 && ::read(tty.get(), &c, 1) == 1 && c != '\n')
    line.buffer().push_back(c);
  c = 0;
  if (have_termios) ::tcsetattr(tty.get(), TCSAFLUSH, &old);
  (void)!::write(tty.get(), "\n", 1);
  return line;
}

Secret first_line(Secret text) {
  const auto end = text.view().find_first_of("\r\n");
  Secret out(std::string(text.view().substr(0, end)));
  return out;
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\v\f") == std::string_view::npos;
}

// An empty passphrase would mean "no encryption" to OpenSSL; it is never taken as one.
void require_non_empty(const Secret& pass, const std::string& from) {
  if (pass.empty()) {
    throw Error(Exit::data, "the passphrase from " + from +
                                " is empty (an empty first line is not a passphrase)");
  }
}

void require_strong(const Secret& pass, const std::string& from) {
  require_non_empty(pass, from);
  if (blank(pass.view())) {
    throw Error(Exit::data, "the passphrase from " + from + " is only white space");
  }
  if (pass.size() < kMinPassphraseLength) {
    throw Error(Exit::data, "the passphrase from " + from + " is " + std::to_string(pass.size()) +
                                " characters long; a new CA key needs at least " +
                                std::to_string(kMinPassphraseLength));
  }
}

using AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using P8InfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO_free>>;
using X509SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG_free>>;

// PKCS#8 EncryptedPrivateKeyInfo, PBES2 (RFC 8018 §6.2): PBKDF2-HMAC-SHA256 with
// kPbkdf2Iterations and a random 16-byte salt, AES-256-CBC. OpenSSL's default is 2,048
// iterations; scrypt at a useful cost (N=2^17) exceeds the 32 MiB that OpenSSL allows
// when it decrypts, so `openssl pkey` could not open the key.
void write_encrypted_pkcs8(BIO* bio, EVP_PKEY* key, const Secret& passphrase) {
  unsigned char salt[16];
  if (::RAND_bytes(salt, sizeof salt) != 1) throw_ossl(Exit::internal, "RAND_bytes");
  AlgorPtr pbe(::PKCS5_pbe2_set_iv(::EVP_aes_256_cbc(), kPbkdf2Iterations, salt, sizeof salt,
                                   nullptr, NID_hmacWithSHA256));
  if (!pbe) throw_ossl(Exit::internal, "PBES2 parameters");
  const P8InfoPtr p8(::EVP_PKEY2PKCS8(key));
  if (!p8) throw_ossl(Exit::internal, "PKCS#8 encoding failed");
  // PKCS8_set0_pbe takes ownership of `pbe` on success only.
  X509SigPtr sig(::PKCS8_set0_pbe(passphrase.c_str(), static_cast<int>(passphrase.size()), p8.get(),
                                  pbe.get()));
  if (!sig) throw_ossl(Exit::internal, "PKCS#8 encryption failed");
  (void)pbe.release();
  if (::PEM_write_bio_PKCS8(bio, sig.get()) != 1) throw_ossl(Exit::internal, "PEM encoding");
}

}  // namespace

KeyType parse_key_type(std::string_view name) {
  if (name == "rsa4096") return KeyType::rsa4096;
  if (name == "ec-p384") return KeyType::ec_p384;
  if (name == "ec-p256") return KeyType::ec_p256;
  throw Error(Exit::usage,
              "unknown key type '" + std::string(name) + "' (use rsa4096, ec-p384 or ec-p256)");
}

std::string key_type_name(KeyType type) {
  switch (type) {
    case KeyType::rsa4096:
      return "rsa4096";
    case KeyType::ec_p384:
      return "ec-p384";
    case KeyType::ec_p256:
      return "ec-p256";
  }
  return "?";
}

PkeyPtr generate(KeyType type) {
  switch (type) {
    case KeyType::ec_p256:
      return generate_ec("P-256");
    case KeyType::ec_p384:
      return generate_ec("P-384");
    case KeyType::rsa4096: {
      PkeyPtr key(::EVP_RSA_gen(4096));
      if (!key) throw_ossl(Exit::internal, "RSA-4096 key generation failed");
      return key;
    }
  }
  throw Error(Exit::internal, "unreachable key type");
}

Secret to_pkcs8_pem(EVP_PKEY* key, const Secret& passphrase) {
  const BioPtr bio(::BIO_new(::BIO_s_secmem()));
  if (!bio) throw_ossl(Exit::internal, "BIO_new");
  if (passphrase.empty()) {
    if (::PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) !=
        1) {
      throw_ossl(Exit::internal, "PKCS#8 encoding failed");
    }
  } else {
    write_encrypted_pkcs8(bio.get(), key, passphrase);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  Secret out;
  out.buffer().reserve(static_cast<std::size_t>(n) + 1);
  out.buffer().assign(data, static_cast<std::size_t>(n));
  return out;
}

Secret PassphraseSource::for_new_key(bool unencrypted) const {
  if (unencrypted) return Secret();
  if (file_) {
    Secret pass = first_line(fs::read_private_file(*file_));
    require_strong(pass, file_->string());
    return pass;
  }
  // A script (stdin not a terminal) must say what it wants; it never gets a clear key
  // by accident, and it is never left waiting at a prompt it cannot see.
  if (!::isatty(STDIN_FILENO)) {
    throw Error(Exit::usage,
                "no terminal to ask for the new CA key's passphrase: use --passphrase-file F "
                "(0600, first line, at least " +
                    std::to_string(kMinPassphraseLength) +
                    " characters), or --no-passphrase to write the key unencrypted");
  }
  Secret a = prompt_tty("New CA key passphrase (at least " + std::to_string(kMinPassphraseLength) +
                        " characters): ");
  require_strong(a, "the terminal");
  const Secret b = prompt_tty("Repeat passphrase: ");
  if (a.view() != b.view()) throw Error(Exit::usage, "the passphrases do not match");
  return a;
}

Secret PassphraseSource::for_existing_key(const std::filesystem::path& key_file) const {
  // No length rule here: a key written before the rule keeps opening.
  Secret pass = file_ ? first_line(fs::read_private_file(*file_))
                      : prompt_tty("Passphrase for " + key_file.string() + ": ");
  require_non_empty(pass, file_ ? file_->string() : std::string("the terminal"));
  return pass;
}

Secret PassphraseSource::for_token(std::string_view token_label) const {
  Secret pin = file_ ? first_line(fs::read_private_file(*file_))
                     : prompt_tty("PIN for token '" + std::string(token_label) + "': ");
  require_non_empty(pin, file_ ? file_->string() : std::string("the terminal"));
  return pin;
}

PkeyPtr load_private_key(const std::filesystem::path& path, const PassphraseSource& source) {
  const Secret pem = fs::read_private_file(path);
  const bool encrypted = pem.view().find("ENCRYPTED PRIVATE KEY") != std::string_view::npos;
  Secret pass;
  if (encrypted) pass = source.for_existing_key(path);
  const BioPtr bio(::BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  PkeyPtr key(::PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                        encrypted ? const_cast<char*>(pass.c_str()) : nullptr));
  if (!key) {
    clear_ossl_errors();
    if (encrypted) throw Error(Exit::denied, path.string() + ": wrong passphrase");
    throw Error(Exit::data, path.string() + ": not a PEM private key");
  }
  return key;
}

void write_private_key(const std::filesystem::path& path, EVP_PKEY* key, const Secret& passphrase) {
  const Secret pem = to_pkcs8_pem(key, passphrase);
  fs::write_file_atomic(path, pem.view(), 0600);
}

void require_acceptable_public_key(EVP_PKEY* key, std::string_view what) {
  const int id = ::EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    const int bits = ::EVP_PKEY_get_bits(key);
    if (bits < 2048) {
      throw Error(Exit::data, std::string(what) + ": RSA key of " + std::to_string(bits) +
                                  " bits is too small (at least 2048)");
    }
    return;
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t len = 0;
    if (::EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &len) != 1) {
      throw_ossl(Exit::data, std::string(what) + ": EC key without a named curve");
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256" || g == "secp384r1" || g == "P-384") return;
    throw Error(Exit::data, std::string(what) + ": EC curve " + std::string(g) +
                                " is not accepted (use P-256 or P-384)");
  }
  throw Error(Exit::data,
              std::string(what) + ": key type is not accepted (use EC P-256/P-384 or RSA >= 2048)");
}

}  // namespace pki::keys
