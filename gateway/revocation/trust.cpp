// SPDX-License-Identifier: Apache-2.0
#include "gateway/revocation/trust.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>

#include "core/error.hpp"
#include "crl/parse.hpp"
#include "fsutil/files.hpp"
#include "x509/names.hpp"

namespace gw::revocation {
namespace {

using pki::Exit;

pki::BioPtr mem_bio(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT32_MAX)) throw pki::Error(Exit::data, "too large");
  pki::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) pki::throw_ossl(Exit::internal, "BIO_new_mem_buf");
  return bio;
}

// PEM_read_bio_* ends a list with PEM_R_NO_START_LINE; anything else is damage.
bool clean_end_of_pem() {
  const unsigned long e = ERR_peek_last_error();
  const bool clean = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
  if (clean) pki::clear_ossl_errors();
  return clean;
}

std::array<unsigned char, 32> crl_digest(X509_CRL* crl) {
  std::array<unsigned char, 32> md{};
  unsigned int n = 0;
  if (X509_CRL_digest(crl, EVP_sha256(), md.data(), &n) != 1 || n != md.size()) {
    pki::throw_ossl(Exit::internal, "CRL digest");
  }
  return md;
}

// One CA in the sense of RFC 5280 §6.3.3: the same name and the same key. A CA
// certificate re-issued with its key (new validity) is the same CA, so a chain built
// through either copy finds the CRL that key signed.
bool same_ca(const X509* a, const X509* b) {
  const EVP_PKEY* ka = X509_get0_pubkey(a);
  const EVP_PKEY* kb = X509_get0_pubkey(b);
  return ka != nullptr && kb != nullptr &&
         X509_NAME_cmp(X509_get_subject_name(a), X509_get_subject_name(b)) == 0 &&
         EVP_PKEY_eq(ka, kb) == 1;
}

CrlEntry entry_of(X509_CRL* crl, pki::crl::CrlFacts facts) {
  CrlEntry e;
  X509_up_ref(facts.issuer);
  e.issuer.reset(facts.issuer);
  e.issuer_name = pki::x509::one_line(X509_get_subject_name(facts.issuer));
  e.this_update = facts.this_update;
  e.next_update = facts.next_update;
  e.number = std::move(facts.number);
  e.digest = crl_digest(crl);
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  e.serials.reserve(facts.entries);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    e.serials.add(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)));
  }
  e.serials.seal();
  return e;
}

}  // namespace

std::shared_ptr<const Bundle> Bundle::parse(std::string_view pem) {
  auto b = std::make_shared<Bundle>();
  const pki::BioPtr bio = mem_bio(pem);
  while (pki::X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (X509_check_ca(cert.get()) == 0) {
      throw pki::Error(Exit::data, "bundle holds a non-CA certificate: " +
                                       pki::x509::one_line(X509_get_subject_name(cert.get())));
    }
    b->certs_.push_back(std::move(cert));
  }
  if (!clean_end_of_pem()) pki::throw_ossl(Exit::data, "bundle is not valid PEM");
  if (b->certs_.empty()) throw pki::Error(Exit::data, "bundle holds no certificate");
  return b;
}

pki::X509StorePtr Bundle::make_store() const {
  pki::X509StorePtr store(X509_STORE_new());
  if (!store) pki::throw_ossl(Exit::internal, "X509_STORE_new");
  for (const auto& c : certs_) {
    if (X509_STORE_add_cert(store.get(), c.get()) != 1) {
      pki::throw_ossl(Exit::internal, "X509_STORE_add_cert");
    }
  }
  return store;
}

bool Bundle::same_as(const Bundle& other) const {
  return std::equal(certs_.begin(), certs_.end(), other.certs_.begin(), other.certs_.end(),
                    [](const auto& a, const auto& b) { return X509_cmp(a.get(), b.get()) == 0; });
}

std::shared_ptr<const RevocationSet> RevocationSet::parse(std::string_view bytes,
                                                          const Bundle& bundle) {
  auto set = std::make_shared<RevocationSet>();
  const auto all = pki::crl::crls_from_bytes(bytes, "CRL file");
  for (std::size_t i = 0; i < all.size(); ++i) {
    X509_CRL* crl = all[i].get();
    const std::string what = "CRL #" + std::to_string(i + 1) + " (" +
                             pki::x509::one_line(X509_CRL_get_issuer(crl)) + ")";
    CrlEntry e = entry_of(crl, pki::crl::check_crl(crl, bundle.certs(), what));
    auto old = std::find_if(set->crls_.begin(), set->crls_.end(), [&](const CrlEntry& o) {
      return same_ca(o.issuer.get(), e.issuer.get());
    });
    if (old == set->crls_.end()) {
      set->crls_.push_back(std::move(e));
      continue;
    }
    const int cmp = BN_cmp(e.number.get(), old->number.get());
    if (cmp == 0 && e.digest != old->digest) {
      throw pki::Error(Exit::data, what + ": two different CRLs with CRL Number " +
                                       pki::crl::number_text(e.number.get()));
    }
    if (cmp > 0) *old = std::move(e);  // the most recent CRL of a CA wins
  }
  for (const auto& e : set->crls_) {
    if (set->next_update_ == 0 || e.next_update < set->next_update_) {
      set->next_update_ = e.next_update;
    }
  }
  return set;
}

const CrlEntry* RevocationSet::find(const X509* issuer) const {
  for (const auto& e : crls_) {
    if (same_ca(e.issuer.get(), issuer)) return &e;
  }
  return nullptr;
}

RevocationSet::Status RevocationSet::check(const X509* cert, const X509* issuer) const {
  const CrlEntry* e = issuer == nullptr ? nullptr : find(issuer);
  if (e == nullptr) return Status::no_crl;
  return e->serials.contains(X509_get0_serialNumber(cert)) ? Status::revoked : Status::good;
}

bool RevocationSet::serial_revoked(std::string_view serial_hex) const {
  return std::any_of(crls_.begin(), crls_.end(),
                     [&](const CrlEntry& e) { return e.serials.contains_hex(serial_hex); });
}

std::size_t RevocationSet::revoked_count() const {
  std::size_t n = 0;
  for (const auto& e : crls_) n += e.serials.size();
  return n;
}

std::optional<std::string> RevocationSet::rollback_from(const RevocationSet& previous) const {
  for (const auto& e : crls_) {
    const CrlEntry* old = previous.find(e.issuer.get());
    if (old != nullptr && BN_cmp(e.number.get(), old->number.get()) < 0) {
      return "CRL Number of " + e.issuer_name + " went back from " +
             pki::crl::number_text(old->number.get()) + " to " +
             pki::crl::number_text(e.number.get()) + " (an older CRL put back?)";
    }
  }
  return std::nullopt;
}

TrustSet load_trust(std::string_view bundle_pem, std::string_view crl_bytes,
                    const RevocationSet* previous) {
  TrustSet t;
  try {
    t.bundle = Bundle::parse(bundle_pem);
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::data, std::string("trust.bundle: ") + e.what());
  }
  try {
    t.crls = RevocationSet::parse(crl_bytes, *t.bundle);
    if (previous != nullptr) {
      if (auto rollback = t.crls->rollback_from(*previous)) throw pki::Error(Exit::data, *rollback);
    }
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::data, std::string("trust.crl: ") + e.what());
  }
  return t;
}

TrustSet read_trust(const std::filesystem::path& bundle, const std::filesystem::path& crl,
                    const RevocationSet* previous) {
  const auto read = [](const char* key, const std::filesystem::path& p) {
    try {
      return pki::fs::read_file(p, pki::fs::kTrustLimit);
    } catch (const pki::Error& e) {
      throw pki::Error(e.code(), std::string(key) + ": " + e.what());
    }
  };
  const std::string bundle_pem = read("trust.bundle", bundle);
  const std::string crl_bytes = read("trust.crl", crl);
  return load_trust(bundle_pem, crl_bytes, previous);
}

}  // namespace gw::revocation
