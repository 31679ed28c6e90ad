// SPDX-License-Identifier: Apache-2.0
#include <openssl/crypto.h>
#include <sodium.h>

#include "common/app.hpp"
#include "pki/git_commit.hpp"
#include "pki/version.hpp"
#include "store/open.hpp"

namespace app {

std::string version_text(const std::string& tool) {
  // The libraries' versions as the process runs with them (not as it was built against):
  // what a security advisory asks about.
  return tool + " " + pki::kVersion + "\n" +          //
         "commit " + pki::kGitCommit + "\n" +         //
         ::OpenSSL_version(OPENSSL_VERSION) + "\n" +  //
         pki::store::backend_versions() + "\n" + "libsodium " + ::sodium_version_string();
}

}  // namespace app
