// SPDX-License-Identifier: Apache-2.0
#pragma once
// Fixtures for libpki unit tests: generated keys and CAs in a scratch directory.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "keys/keys.hpp"
#include "x509/profile.hpp"

namespace test {

// A directory removed when the fixture dies.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag)
      : path(std::filesystem::temp_directory_path() /
             ("pki-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

inline pki::x509::Signer make_root_signer() {
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::X509Ptr cert = pki::x509::make_root(key.get(), "Unit Root", "Unit Org", 30);
  return pki::x509::Signer{"root", std::move(cert), std::move(key)};
}

}  // namespace test
