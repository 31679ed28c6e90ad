// SPDX-License-Identifier: Apache-2.0
#include "crl/parse.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/error.hpp"
#include "x509/pem.hpp"

namespace pki::crl {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN X509 CRL-----";

std::vector<X509CrlPtr> from_pem(std::string_view data, std::string_view what) {
  const BioPtr bio(::BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw_ossl(Exit::internal, "BIO");
  std::vector<X509CrlPtr> out;
  while (X509_CRL* crl = ::PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(crl);
  }
  // The loop ends on "no start line" after the last block; anything else is a bad block.
  const unsigned long err = ::ERR_peek_last_error();
  if (ERR_GET_LIB(err) != ERR_LIB_PEM || ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    throw_ossl(Exit::data, std::string(what) + ": a CRL block does not parse");
  }
  clear_ossl_errors();
  if (out.empty()) throw Error(Exit::data, std::string(what) + ": no CRL found");
  return out;
}

bool key_id_matches(X509_CRL* crl, X509* ca) {
  int crit = 0;
  const AuthKeyIdPtr akid(static_cast<AUTHORITY_KEYID*>(
      ::X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, nullptr)));
  if (crit == -1) return true;              // no AKI: the name decides
  if (!akid) return false;                  // present but malformed, or twice
  if (akid->keyid == nullptr) return true;  // an AKI by issuer and serial only
  const ASN1_OCTET_STRING* ski = ::X509_get0_subject_key_id(ca);
  return ski != nullptr && ::ASN1_OCTET_STRING_cmp(akid->keyid, ski) == 0;
}

}  // namespace

std::vector<X509CrlPtr> crls_from_bytes(std::string_view data, std::string_view what) {
  if (data.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw Error(Exit::data, std::string(what) + ": too large");
  }
  if (data.find(kPemBegin) != std::string_view::npos) return from_pem(data, what);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  X509CrlPtr crl(::d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
  if (!crl) throw_ossl(Exit::data, std::string(what) + ": neither a PEM nor a DER CRL");
  if (p != reinterpret_cast<const unsigned char*>(data.data()) + data.size()) {
    throw Error(Exit::data, std::string(what) + ": trailing bytes after the DER CRL");
  }
  std::vector<X509CrlPtr> out;
  out.push_back(std::move(crl));
  return out;
}

namespace {

// RFC 5280 §5.2: a relying party must refuse a CRL with a critical extension it does
// not process. Delta CRL Indicator, Issuing Distribution Point (a partitioned or
// indirect CRL read as a full one would miss entries) and anything unknown are refused;
// an extension present twice is refused too (RFC 5280 §4.2).
void check_crl_extensions(X509_CRL* crl, const std::string& w) {
  const int n = ::X509_CRL_get_ext_count(crl);
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = ::X509_CRL_get_ext(crl, i);
    const int nid = ::OBJ_obj2nid(::X509_EXTENSION_get_object(ext));
    if (nid != NID_undef && ::X509_CRL_get_ext_by_NID(crl, nid, i) >= 0) {
      throw Error(Exit::data, w + ": extension " + ::OBJ_nid2sn(nid) + " appears twice");
    }
    const bool known = nid == NID_crl_number || nid == NID_authority_key_identifier;
    if (::X509_EXTENSION_get_critical(ext) == 1 && !known) {
      char oid[80];
      ::OBJ_obj2txt(oid, sizeof oid, ::X509_EXTENSION_get_object(ext), 1);
      throw Error(Exit::data, w + ": unsupported critical extension " + oid);
    }
  }
  // Entry extensions: Certificate Issuer (always critical) makes an indirect CRL, whose
  // entries would name certificates of another CA.
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const STACK_OF(X509_EXTENSION)* exts =
        ::X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(revoked, i));
    for (int j = 0; j < sk_X509_EXTENSION_num(exts); ++j) {
      if (::X509_EXTENSION_get_critical(sk_X509_EXTENSION_value(exts, j)) == 1) {
        throw Error(Exit::data, w + ": entry " + std::to_string(i) +
                                    " has a critical extension (indirect CRLs are not supported)");
      }
    }
  }
}

// The bundle CA that signed the CRL: same name, the AKI (when present) equal to its SKI,
// and its key verifies the signature. Several CAs may share a name across a key rollover.
X509* find_signer(X509_CRL* crl, const std::vector<X509Ptr>& cas, const std::string& w) {
  bool named = false;
  for (const auto& ca : cas) {
    if (::X509_NAME_cmp(::X509_CRL_get_issuer(crl), ::X509_get_subject_name(ca.get())) != 0 ||
        !key_id_matches(crl, ca.get())) {
      continue;
    }
    named = true;
    EVP_PKEY* key = ::X509_get0_pubkey(ca.get());
    if (key != nullptr && ::X509_CRL_verify(crl, key) == 1) return ca.get();
    clear_ossl_errors();
  }
  throw Error(Exit::data, w + (named ? ": bad signature (the signature does not verify with the "
                                       "bundle CA of that name)"
                                     : ": issued by a CA not in the bundle"));
}

}  // namespace

CrlFacts check_crl(X509_CRL* crl, const std::vector<X509Ptr>& cas, std::string_view what) {
  const std::string w(what);
  if (::X509_CRL_get_version(crl) != X509_CRL_VERSION_2)
    throw Error(Exit::data, w + ": not a v2 CRL");
  CrlFacts facts;
  facts.issuer = find_signer(crl, cas, w);
  check_crl_extensions(crl, w);
  int crit = 0;
  const Asn1IntegerPtr number(
      static_cast<ASN1_INTEGER*>(::X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, nullptr)));
  // RFC 5280 §5.2.3: a non-negative integer of up to 20 octets, compared as a number.
  if (number) facts.number.reset(::ASN1_INTEGER_to_BN(number.get(), nullptr));
  if (!facts.number || ::BN_is_negative(facts.number.get()) == 1 ||
      BN_num_bytes(facts.number.get()) > 20) {
    clear_ossl_errors();
    throw Error(Exit::data, w + ": no valid CRL Number");
  }
  const ASN1_TIME* last = ::X509_CRL_get0_lastUpdate(crl);
  const ASN1_TIME* next = ::X509_CRL_get0_nextUpdate(crl);
  if (last == nullptr || next == nullptr) throw Error(Exit::data, w + ": no nextUpdate");
  facts.this_update = x509::to_unix(last);
  facts.next_update = x509::to_unix(next);
  if (facts.next_update <= facts.this_update) {
    throw Error(Exit::data, w + ": nextUpdate is not after thisUpdate");
  }
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl);
  facts.entries = revoked == nullptr ? 0 : static_cast<std::size_t>(sk_X509_REVOKED_num(revoked));
  return facts;
}

std::string number_text(const BIGNUM* number) {
  if (number == nullptr) return "?";
  char* dec = ::BN_bn2dec(number);
  if (dec == nullptr) return "?";
  std::string out(dec);
  ::OPENSSL_free(dec);
  return out;
}

}  // namespace pki::crl
