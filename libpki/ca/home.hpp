// SPDX-License-Identifier: Apache-2.0
#pragma once
// The PKI home (SPEC §2): where the CA keys, certificates, registry and settings live.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "keys/keys.hpp"
#include "store/store.hpp"
#include "x509/profile.hpp"

namespace pki::ca {

namespace stdfs = std::filesystem;

class Home {
 public:
  explicit Home(stdfs::path dir) : dir_(std::move(dir)) {}

  [[nodiscard]] const stdfs::path& dir() const { return dir_; }
  [[nodiscard]] stdfs::path root_cert_path() const { return dir_ / "root" / "ca.crt"; }
  [[nodiscard]] stdfs::path root_key_path() const { return dir_ / "root" / "ca.key"; }
  // The root's last CRL, kept where iot-ca export finds it (SPEC §10): signed here at a
  // root ceremony (iot-revoke crl --ca root) or imported (iot-ca import-root-crl).
  [[nodiscard]] stdfs::path root_crl_path() const { return dir_ / "root" / "crl.pem"; }
  // True when the root key is on this machine (a single home, or the root's own home):
  // the key file, or the record of its PKCS#11 URI (keys/ca_key.hpp).
  [[nodiscard]] bool has_root_key() const;
  [[nodiscard]] stdfs::path issuing_dir(std::string_view name) const {
    return dir_ / "issuing" / name;
  }
  [[nodiscard]] stdfs::path registry_path() const { return dir_ / "registry.db"; }
  [[nodiscard]] stdfs::path settings_path() const { return dir_ / "iot-pki.toml"; }

  // Error(no_input) naming the directory and `iot-ca init` when there is no root CA.
  void require_initialised() const;

  [[nodiscard]] config::Settings settings() const;
  // The registry of this home (Error(no_input) when the home is not initialised).
  [[nodiscard]] std::unique_ptr<store::Store> open_store() const;
  // For `iot-ca init`: creates the registry when there is none.
  [[nodiscard]] std::unique_ptr<store::Store> create_store() const;

  // Issuing CA names, oldest first.
  [[nodiscard]] std::vector<std::string> issuing_names() const;
  [[nodiscard]] X509Ptr root_cert() const;
  [[nodiscard]] X509Ptr issuing_cert(std::string_view name) const;

  // Each opens the CA's key where it lives (keys::open_key): its file with `pass` as the
  // passphrase, or its token with `pass` as the PIN.
  [[nodiscard]] x509::Signer load_root(const keys::PassphraseSource& pass) const;
  [[nodiscard]] x509::Signer load_issuing(std::string_view name,
                                          const keys::PassphraseSource& pass) const;
  // The CA named `name` ("root" or an issuing CA's name).
  [[nodiscard]] x509::Signer load_ca(std::string_view name,
                                     const keys::PassphraseSource& pass) const;
  // Enrollment signs with the issuing CA when one exists (the newest, unless `name` is
  // given), else with the root.
  [[nodiscard]] std::string default_signer_name() const;

 private:
  stdfs::path dir_;
};

// A CA name used as a directory: same alphabet as device ids.
void require_ca_name(std::string_view name);

}  // namespace pki::ca
