#include "gateway/revocation/trust.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace gw::revocation {
namespace {

using pki::Exit;

std::int64_t to_unix(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(::timegm(&tm));
}

pki::BioPtr mem_bio(std::string_view pem) {
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

}  // namespace

std::string serial_hex(const ASN1_INTEGER* serial) {
  const pki::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return "";
  const int len = BN_num_bytes(bn.get());
  pki::Bytes buf(static_cast<std::size_t>(len));
  BN_bn2bin(bn.get(), buf.data());
  std::string hex = pki::hex_upper(buf);
  return hex.empty() ? "00" : hex;
}

std::string name_der(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  std::size_t len = 0;
  if (X509_NAME_get0_der(const_cast<X509_NAME*>(name), &der, &len) != 1) return "";
  return std::string(reinterpret_cast<const char*>(der), len);
}

std::string name_oneline(const X509_NAME* name) {
  const pki::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::shared_ptr<const Bundle> Bundle::parse(std::string_view pem) {
  auto b = std::make_shared<Bundle>();
  const pki::BioPtr bio = mem_bio(pem);
  while (pki::X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (X509_check_ca(cert.get()) == 0) {
      throw pki::Error(Exit::data, "bundle holds a non-CA certificate: " +
                                       name_oneline(X509_get_subject_name(cert.get())));
    }
    b->certs_.push_back(std::move(cert));
  }
  if (!clean_end_of_pem()) pki::throw_ossl(Exit::data, "bundle is not valid PEM");
  if (b->certs_.empty()) throw pki::Error(Exit::data, "bundle holds no certificate");
  return b;
}

X509* Bundle::find_subject(const X509_NAME* name) const {
  for (const auto& c : certs_) {
    if (X509_NAME_cmp(X509_get_subject_name(c.get()), name) == 0) return c.get();
  }
  return nullptr;
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

std::shared_ptr<const RevocationSet> RevocationSet::parse(std::string_view pem,
                                                          const Bundle& bundle) {
  auto set = std::make_shared<RevocationSet>();
  const pki::BioPtr bio = mem_bio(pem);
  while (pki::X509CrlPtr crl{PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)}) {
    const X509_NAME* issuer_name = X509_CRL_get_issuer(crl.get());
    const std::string who = name_oneline(issuer_name);
    X509* issuer = bundle.find_subject(issuer_name);
    if (issuer == nullptr) throw pki::Error(Exit::data, "CRL issuer not in the bundle: " + who);
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (key == nullptr || X509_CRL_verify(crl.get(), key) != 1) {
      pki::clear_ossl_errors();
      throw pki::Error(Exit::data, "CRL signature does not verify with the bundle CA " + who);
    }
    CrlEntry e;
    e.issuer = who;
    e.this_update = to_unix(X509_CRL_get0_lastUpdate(crl.get()));
    e.next_update = to_unix(X509_CRL_get0_nextUpdate(crl.get()));
    if (e.next_update == 0) throw pki::Error(Exit::data, "CRL without nextUpdate from " + who);
    const pki::Asn1IntegerPtr num(static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
    if (num) e.number = serial_hex(num.get());
    const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
      const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
      e.serials.insert(serial_hex(X509_REVOKED_get0_serialNumber(r)));
    }
    const std::string key_der = name_der(issuer_name);
    // Several CRLs of one CA: the most recent one wins.
    const auto it = set->by_issuer_.find(key_der);
    if (it != set->by_issuer_.end() && it->second.this_update >= e.this_update) continue;
    set->by_issuer_.insert_or_assign(key_der, std::move(e));
  }
  if (!clean_end_of_pem()) pki::throw_ossl(Exit::data, "CRL file is not valid PEM");
  if (set->by_issuer_.empty()) throw pki::Error(Exit::data, "CRL file holds no CRL");
  for (const auto& [k, e] : set->by_issuer_) {
    set->all_serials_.insert(e.serials.begin(), e.serials.end());
    if (set->next_update_ == 0 || e.next_update < set->next_update_) {
      set->next_update_ = e.next_update;
    }
  }
  return set;
}

RevocationSet::Status RevocationSet::check(X509* cert) const {
  const auto it = by_issuer_.find(name_der(X509_get_issuer_name(cert)));
  if (it == by_issuer_.end()) return Status::no_crl;
  return it->second.serials.contains(serial_hex(X509_get0_serialNumber(cert))) ? Status::revoked
                                                                               : Status::good;
}

std::optional<std::string> RevocationSet::rollback_from(const RevocationSet& previous) const {
  // Minimal uppercase hex: a shorter string is a smaller number.
  const auto less = [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  };
  for (const auto& [issuer, e] : by_issuer_) {
    const auto old = previous.by_issuer_.find(issuer);
    if (old == previous.by_issuer_.end() || e.number.empty() || old->second.number.empty()) {
      continue;
    }
    if (less(e.number, old->second.number)) {
      return "CRL Number of " + e.issuer + " went back from " + old->second.number + " to " +
             e.number + " (an older CRL put back?)";
    }
  }
  return std::nullopt;
}

bool RevocationSet::serial_revoked(std::string_view serial_hex) const {
  return all_serials_.contains(serial_hex);
}

}  // namespace gw::revocation
