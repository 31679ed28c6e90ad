// SPDX-License-Identifier: Apache-2.0
#include "workflows/root_crl.hpp"

#include <algorithm>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/parse.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

crl::IssuedCrl checked_root_crl(const ca::Home& home, std::string_view bytes,
                                std::string_view what) {
  return check_root_crl(home.root_cert().get(), bytes, what);
}

std::size_t registry_root_revocations(const ca::Home& home) {
  return home.open_store()->revoked_count("root");
}

}  // namespace

crl::IssuedCrl check_root_crl(X509* root, std::string_view bytes, std::string_view what) {
  std::vector<X509CrlPtr> crls = crl::crls_from_bytes(bytes, what);
  if (crls.size() != 1) {
    throw Error(Exit::data, std::string(what) + ": holds " + std::to_string(crls.size()) +
                                " CRLs; the root's CRL is one");
  }
  std::vector<X509Ptr> cas;
  cas.emplace_back(root);
  ::X509_up_ref(root);
  const crl::CrlFacts facts = crl::check_crl(crls.front().get(), cas, what);
  crl::IssuedCrl out;
  out.ca = "root";
  if (::BN_num_bits(facts.number.get()) > 62) {
    throw Error(Exit::data, std::string(what) + ": CRL Number " +
                                crl::number_text(facts.number.get()) + " is not one of ours");
  }
  out.number = static_cast<std::int64_t>(::BN_get_word(facts.number.get()));
  out.this_update = facts.this_update;
  out.next_update = facts.next_update;
  out.entries = facts.entries;
  unsigned char* der = nullptr;
  const int len = ::i2d_X509_CRL(crls.front().get(), &der);
  if (len <= 0) throw_ossl(Exit::internal, "i2d_X509_CRL");
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  ::OPENSSL_free(der);
  out.sha256 = sha256_hex(out.der);
  return out;
}

std::string root_ceremony_hint() {
  return "sign it at the root ceremony: iot-revoke --home ROOT_HOME crl --ca root --out "
         "root-crl.pem, then bring root-crl.pem here: iot-ca import-root-crl --crl root-crl.pem";
}

std::optional<crl::IssuedCrl> kept_root_crl(const ca::Home& home) {
  std::error_code ec;
  if (!stdfs::exists(home.root_crl_path(), ec)) return std::nullopt;
  const std::string path = home.root_crl_path().string();
  return checked_root_crl(home, fs::read_file(home.root_crl_path(), fs::kTrustLimit), path);
}

void keep_root_crl(const ca::Home& home, std::string_view der) {
  fs::write_file_atomic(home.root_crl_path(), crl::der_to_pem(der), 0644);
}

RootCrlPlan plan_root_crl(const ca::Home& home, std::int64_t now) {
  RootCrlPlan plan;
  std::optional<crl::IssuedCrl> kept = kept_root_crl(home);
  const std::size_t pending = registry_root_revocations(home);
  if (kept && kept->next_update > now && kept->entries >= pending) {
    plan.reuse = std::move(kept);
    return plan;
  }
  if (!kept) {
    plan.why = "no root CRL is kept in " + home.root_crl_path().string();
  } else if (kept->next_update <= now) {
    plan.why = "the kept root CRL #" + std::to_string(kept->number) + " expired " +
               rfc3339(kept->next_update);
  } else {
    plan.why = "the registry holds " + std::to_string(pending) +
               " revocation(s) by the root; the kept root CRL #" + std::to_string(kept->number) +
               " lists " + std::to_string(kept->entries);
  }
  if (home.has_root_key()) {
    plan.sign = true;
    return plan;
  }
  if (kept && kept->next_update > now) {
    plan.reuse = std::move(kept);  // still valid: published, with a warning
    return plan;
  }
  throw Error(Exit::no_input,
              plan.why + " and the root key is not on this machine; " + root_ceremony_hint());
}

std::vector<std::string> root_crl_warnings(const ca::Home& home, std::int64_t now,
                                           std::int64_t window) {
  std::vector<std::string> out;
  const std::optional<crl::IssuedCrl> kept = kept_root_crl(home);
  if (!kept) return out;
  if (kept->next_update - now <= window) {
    out.push_back("the root CRL #" + std::to_string(kept->number) + " expires " +
                  rfc3339(kept->next_update) + " (in " +
                  std::to_string(std::max<std::int64_t>(kept->next_update - now, 0) / 86400) +
                  " days): " + root_ceremony_hint());
  }
  const std::size_t pending = registry_root_revocations(home);
  if (pending > kept->entries) {
    out.push_back("the registry holds " + std::to_string(pending) +
                  " revocation(s) by the root, the root CRL #" + std::to_string(kept->number) +
                  " lists " + std::to_string(kept->entries) + ": revoke in the root home and " +
                  root_ceremony_hint());
  }
  return out;
}

crl::IssuedCrl import_root_crl(const ca::Home& home, std::string_view bytes, std::string_view what,
                               std::int64_t now) {
  home.require_initialised();
  crl::IssuedCrl in = checked_root_crl(home, bytes, what);
  if (in.next_update <= now) {
    throw Error(Exit::data, std::string(what) + ": expired " + rfc3339(in.next_update) +
                                "; sign a fresh one at the root ceremony");
  }
  if (const std::optional<crl::IssuedCrl> kept = kept_root_crl(home)) {
    if (in.number < kept->number || (in.number == kept->number && in.der != kept->der)) {
      throw Error(Exit::data, std::string(what) + ": CRL Number " + std::to_string(in.number) +
                                  " is older than the kept root CRL #" +
                                  std::to_string(kept->number) + " (a rollback; refused)");
    }
  }
  const auto db = home.open_store();
  db->transaction([&] {
    journal::append(*db, "import-root-crl",
                    {{"crl_number", in.number},
                     {"this_update", in.this_update},
                     {"next_update", in.next_update},
                     {"entries", in.entries},
                     {"sha256", in.sha256}});
    keep_root_crl(home, in.der);
  });
  return in;
}

}  // namespace pki::workflows
