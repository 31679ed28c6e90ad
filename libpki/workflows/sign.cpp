// SPDX-License-Identifier: Apache-2.0
#include "workflows/sign.hpp"

#include <unistd.h>

#include "fsutil/files.hpp"

namespace pki::workflows {

ca::Issued sign(store::Store& db, const x509::Signer& signer, EVP_PKEY* subject_key,
                const x509::LeafSpec& spec, const config::Settings& settings,
                const std::optional<std::filesystem::path>& out, std::string_view chain) {
  bool written = false;
  try {
    return db.in_transaction([&] {
      ca::Issued issued = ca::issue_leaf(db, signer, subject_key, spec, settings);
      if (out) {
        fs::write_file_atomic(*out, issued.record.pem + std::string(chain), 0644);
        written = true;
      }
      return issued;
    });
  } catch (...) {
    if (written) ::unlink(out->c_str());
    throw;
  }
}

}  // namespace pki::workflows
