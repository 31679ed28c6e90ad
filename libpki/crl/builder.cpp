// SPDX-License-Identifier: Apache-2.0
#include "crl/builder.hpp"

#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "crl/der.hpp"

namespace pki::crl {
namespace {

constexpr unsigned char kTagUtcTime = 0x17;
constexpr unsigned char kTagGeneralizedTime = 0x18;
constexpr unsigned char kTagInteger = 0x02;
constexpr unsigned char kTagExtensions = 0xa0;  // [0] EXPLICIT crlExtensions
// Three headers (CertificateList, TBSCertList, revokedCertificates), each at most a
// tag, 0x84 and four length octets.
constexpr std::size_t kHeaderRoom = 3 * 6;
// A typical entry: 20-octet serial, UTCTime, reasonCode — 53 octets; a little over.
constexpr std::size_t kEntryEstimate = 56;

// Takes the buffer an i2d_* call allocated.
std::string take_der(int len, unsigned char* der, const char* what) {
  if (len <= 0 || der == nullptr)
    throw_ossl(Exit::internal, std::string("DER encoding of ") + what);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  ::OPENSSL_free(der);
  return out;
}

Asn1OctetPtr key_identifier(X509* ca_cert) {
  if (const ASN1_OCTET_STRING* ski = ::X509_get0_subject_key_id(ca_cert)) {
    return Asn1OctetPtr(::ASN1_OCTET_STRING_dup(ski));
  }
  // No SKI: the RFC 5280 §4.2.1.2 method (1), SHA-1 of the subjectPublicKey bits.
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (::X509_pubkey_digest(ca_cert, ::EVP_sha1(), md, &n) != 1) {
    throw_ossl(Exit::internal, "key identifier");
  }
  Asn1OctetPtr id(::ASN1_OCTET_STRING_new());
  if (!id || ::ASN1_OCTET_STRING_set(id.get(), md, static_cast<int>(n)) != 1) {
    throw_ossl(Exit::internal, "key identifier");
  }
  return id;
}

void set_time(X509_CRL* crl, std::int64_t t, bool next) {
  const Asn1TimePtr time(::ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
  if (!time) throw_ossl(Exit::data, "CRL time out of range");
  const int ok = next ? ::X509_CRL_set1_nextUpdate(crl, time.get())
                      : ::X509_CRL_set1_lastUpdate(crl, time.get());
  if (ok != 1) throw_ossl(Exit::internal, "setting the CRL times");
}

void add_extensions(X509_CRL* crl, X509* ca_cert, std::int64_t number) {
  // AKI keyIdentifier (RFC 5280 §5.2.1: MUST be included).
  const AuthKeyIdPtr akid(::AUTHORITY_KEYID_new());
  Asn1OctetPtr keyid = key_identifier(ca_cert);
  if (!akid || !keyid) throw_ossl(Exit::internal, "authority key identifier");
  akid->keyid = keyid.release();  // akid owns it now
  if (::X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid.get(), 0,
                              X509V3_ADD_DEFAULT) != 1) {
    throw_ossl(Exit::internal, "adding the authority key identifier");
  }
  // CRL Number (RFC 5280 §5.2.3: MUST be included, non-critical, monotonic).
  const Asn1IntegerPtr n(::ASN1_INTEGER_new());
  if (!n || ::ASN1_INTEGER_set_int64(n.get(), number) != 1 ||
      ::X509_CRL_add1_ext_i2d(crl, NID_crl_number, n.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    throw_ossl(Exit::internal, "adding the CRL number");
  }
}

// The signed, empty CRL OpenSSL builds: every field of the result except the entries.
X509CrlPtr make_template(const x509::Signer& ca, const CrlFields& f, const EVP_MD* md) {
  X509CrlPtr crl(::X509_CRL_new());
  if (!crl || ::X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      ::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(ca.cert.get())) != 1) {
    throw_ossl(Exit::internal, "CRL template");
  }
  set_time(crl.get(), f.this_update, false);
  set_time(crl.get(), f.next_update, true);
  add_extensions(crl.get(), ca.cert.get(), f.number);
  // Signing fills in the AlgorithmIdentifier (inner and outer) for this key and digest.
  if (::X509_CRL_sign(crl.get(), ca.key.get(), md) <= 0)
    throw_ossl(Exit::internal, "signing the CRL");
  return crl;
}

struct TbsParts {
  std::string prefix;      // TBS content up to and including nextUpdate
  std::string extensions;  // the [0] crlExtensions element
};

// TBSCertList ::= SEQUENCE { version, signature, issuer, thisUpdate, nextUpdate,
//                            revokedCertificates OPTIONAL, [0] crlExtensions }
// Splits the template's TBS where the revoked list goes (RFC 5280 §5.1).
TbsParts split_tbs(const std::string& tbs) {
  const auto fail = [] { throw Error(Exit::internal, "unexpected CRL template layout"); };
  const der::Header outer = der::read_header(tbs, 0);
  if (outer.tag != der::kSequence || outer.total() != tbs.size()) fail();
  std::size_t pos = outer.header_len;
  const unsigned char expected[] = {kTagInteger, der::kSequence, der::kSequence};
  for (const unsigned char tag : expected) {
    const der::Header h = der::read_header(tbs, pos);
    if (h.tag != tag) fail();
    pos += h.total();
  }
  for (int i = 0; i < 2; ++i) {  // thisUpdate, nextUpdate
    const der::Header h = der::read_header(tbs, pos);
    if (h.tag != kTagUtcTime && h.tag != kTagGeneralizedTime) fail();
    pos += h.total();
  }
  TbsParts parts;
  parts.prefix = tbs.substr(outer.header_len, pos - outer.header_len);
  if (der::read_header(tbs, pos).tag == der::kSequence) {  // an empty revoked list: drop it
    pos += der::read_header(tbs, pos).total();
  }
  const der::Header ext = der::read_header(tbs, pos);
  if (ext.tag != kTagExtensions || pos + ext.total() != tbs.size()) fail();
  parts.extensions = tbs.substr(pos);
  return parts;
}

// Signs `tbs` and verifies the signature with the certificate's public key: a fault
// or a key that does not match the certificate must not produce a CRL every relying
// party would reject.
std::vector<unsigned char> sign_checked(EVP_PKEY* key, X509* cert, const EVP_MD* md,
                                        const unsigned char* tbs, std::size_t len) {
  const MdCtxPtr sign_ctx(::EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  if (!sign_ctx || ::EVP_DigestSignInit(sign_ctx.get(), nullptr, md, nullptr, key) != 1 ||
      ::EVP_DigestSign(sign_ctx.get(), nullptr, &sig_len, tbs, len) != 1) {
    throw_ossl(Exit::internal, "signing the CRL");
  }
  std::vector<unsigned char> sig(sig_len);
  if (::EVP_DigestSign(sign_ctx.get(), sig.data(), &sig_len, tbs, len) != 1) {
    throw_ossl(Exit::internal, "signing the CRL");
  }
  sig.resize(sig_len);
  const MdCtxPtr verify_ctx(::EVP_MD_CTX_new());
  if (!verify_ctx ||
      ::EVP_DigestVerifyInit(verify_ctx.get(), nullptr, md, nullptr, ::X509_get0_pubkey(cert)) !=
          1 ||
      ::EVP_DigestVerify(verify_ctx.get(), sig.data(), sig.size(), tbs, len) != 1) {
    throw_ossl(Exit::internal, "the new CRL's signature does not verify with the CA certificate");
  }
  return sig;
}

}  // namespace

const EVP_MD* digest_for(EVP_PKEY* key) {
  return ::EVP_PKEY_get_bits(key) == 384 ? ::EVP_sha384() : ::EVP_sha256();
}

CrlBuilder::CrlBuilder(const x509::Signer& ca, const CrlFields& fields,
                       std::size_t expected_entries) {
  if (fields.number <= 0) throw Error(Exit::internal, "CRL number must be positive");
  if (fields.next_update <= fields.this_update) {
    throw Error(Exit::usage, "nextUpdate must be after thisUpdate");
  }
  if (::EVP_PKEY_up_ref(ca.key.get()) != 1 || ::X509_up_ref(ca.cert.get()) != 1) {
    throw_ossl(Exit::internal, "CA handles");
  }
  key_.reset(ca.key.get());  // the up_refs above are ours to drop
  cert_.reset(ca.cert.get());
  md_ = digest_for(key_.get());

  const X509CrlPtr tmpl = make_template(ca, fields, md_);
  unsigned char* der = nullptr;
  const int tbs_len = ::i2d_re_X509_CRL_tbs(tmpl.get(), &der);
  const std::string tbs = take_der(tbs_len, der, "TBSCertList");
  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  ::X509_CRL_get0_signature(tmpl.get(), &sig, &alg);
  der = nullptr;
  const int alg_len = ::i2d_X509_ALGOR(alg, &der);
  algorithm_ = take_der(alg_len, der, "signatureAlgorithm");

  TbsParts parts = split_tbs(tbs);
  prefix_ = std::move(parts.prefix);
  extensions_ = std::move(parts.extensions);

  gap_ = kHeaderRoom + prefix_.size();
  buf_.reserve(gap_ + expected_entries * kEntryEstimate + extensions_.size() + algorithm_.size() +
               1024);
  buf_.resize(gap_);
}

void CrlBuilder::add(std::string_view serial_hex, std::int64_t revoked_at, Reason reason) {
  if (finished_) throw Error(Exit::internal, "CRL builder already finished");
  der::append_revoked(buf_, serial_hex, revoked_at, reason);
  ++entries_;
}

std::string CrlBuilder::finish() {
  if (finished_) throw Error(Exit::internal, "CRL builder already finished");
  finished_ = true;
  const std::size_t revoked_len = buf_.size() - gap_;
  // RFC 5280 §5.1.2.6: with no revoked certificates the list MUST be absent.
  std::string head;
  const std::size_t rev_total = entries_ > 0 ? der::header_size(revoked_len) + revoked_len : 0;
  const std::size_t tbs_len = prefix_.size() + rev_total + extensions_.size();
  der::put_header(head, der::kSequence, tbs_len);
  head += prefix_;
  if (entries_ > 0) der::put_header(head, der::kSequence, revoked_len);
  std::size_t start = gap_ - head.size();
  std::memcpy(buf_.data() + start, head.data(), head.size());
  buf_ += extensions_;
  const auto* tbs = reinterpret_cast<const unsigned char*>(buf_.data() + start);
  const std::size_t tbs_total = buf_.size() - start;

  const auto sig = sign_checked(key_.get(), cert_.get(), md_, tbs, tbs_total);

  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }
  const std::size_t bits_len = 1 + sig.size();
  const std::size_t list_len =
      tbs_total + algorithm_.size() + der::header_size(bits_len) + bits_len;
  std::string outer;
  der::put_header(outer, der::kSequence, list_len);
  start -= outer.size();
  std::memcpy(buf_.data() + start, outer.data(), outer.size());
  buf_ += algorithm_;
  der::put_header(buf_, der::kBitString, bits_len);
  buf_.push_back('\0');  // no unused bits
  buf_.append(reinterpret_cast<const char*>(sig.data()), sig.size());
  buf_.erase(0, start);
  return std::move(buf_);
}

std::string der_to_pem(std::string_view der) {
  constexpr std::string_view kBegin = "-----BEGIN X509 CRL-----\n";
  constexpr std::string_view kEnd = "-----END X509 CRL-----\n";
  constexpr std::size_t kChunk = 48;  // 64 base64 characters per line
  const std::size_t lines = (der.size() + kChunk - 1) / kChunk;
  std::string out;
  out.reserve(kBegin.size() + lines * 65 + kEnd.size());
  out += kBegin;
  unsigned char line[66];
  for (std::size_t off = 0; off < der.size(); off += kChunk) {
    const std::size_t n = std::min(kChunk, der.size() - off);
    const int k = ::EVP_EncodeBlock(line, reinterpret_cast<const unsigned char*>(der.data() + off),
                                    static_cast<int>(n));
    out.append(reinterpret_cast<const char*>(line), static_cast<std::size_t>(k));
    out.push_back('\n');
  }
  out += kEnd;
  return out;
}

}  // namespace pki::crl
