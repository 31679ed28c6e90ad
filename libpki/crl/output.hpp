// SPDX-License-Identifier: Apache-2.0
#pragma once
// Publishing into a directory a gateway polls: one publisher at a time, and no
// debris from a publisher that was killed.
#include <filesystem>

#include "core/handles.hpp"

namespace pki::crl {

namespace stdfs = std::filesystem;

// An exclusive flock on DIR/.iot-pki-publish.lock while it lives, so two publishers
// (`iot-ca export`, `iot-revoke crl`) into one directory take turns. Waits up to 30 s,
// then Error(temp). The kernel drops the lock when its holder dies, even by kill -9.
class PublishLock {
 public:
  explicit PublishLock(const stdfs::path& dir);

 private:
  UniqueFd fd_;
};

}  // namespace pki::crl
