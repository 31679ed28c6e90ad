// SPDX-License-Identifier: Apache-2.0
#include "trustsign/publisher.hpp"

#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <ctime>

#include "core/error.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::trustsign {
namespace {

// A CMS signature over a manifest is a few KiB; anything far larger is not one.
constexpr std::size_t kMaxSignatureBytes = 1 << 20;
constexpr std::int64_t kBackdateSeconds = 300;

using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  const X509ExtPtr ext(::X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || ::X509_add_ext(cert, ext.get(), -1) != 1) {
    throw_ossl(Exit::internal, std::string("extension ") + ::OBJ_nid2sn(nid) + "=" + value);
  }
}

BioPtr mem_bio(std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) throw Error(Exit::data, "input too large");
  BioPtr bio(::BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw_ossl(Exit::internal, "BIO_new_mem_buf");
  return bio;
}

X509Ptr up_ref(X509* cert) {
  ::X509_up_ref(cert);
  return X509Ptr(cert);
}

}  // namespace

X509Ptr make_publisher(const x509::Signer& root, EVP_PKEY* subject_key, const std::string& cn,
                       const std::string& org, std::int64_t days) {
  X509NamePtr name(::X509_NAME_new());
  for (const auto& [field, value] : {std::pair{"O", org}, std::pair{"CN", cn}}) {
    if (value.empty()) continue;
    if (::X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.data()),
                                     static_cast<int>(value.size()), -1, 0) != 1) {
      throw_ossl(Exit::data, std::string("cannot set ") + field + " to '" + value + "'");
    }
  }
  X509Ptr cert(::X509_new());
  const Asn1IntegerPtr serial = x509::random_serial();
  const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  const std::int64_t not_after =
      std::min(now + days * 86400, x509::to_unix(::X509_get0_notAfter(root.cert.get())));
  if (::X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ::X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      ::X509_set_subject_name(cert.get(), name.get()) != 1 ||
      ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(root.cert.get())) != 1 ||
      ::X509_set_pubkey(cert.get(), subject_key) != 1 ||
      ::ASN1_TIME_set(::X509_getm_notBefore(cert.get()), now - kBackdateSeconds) == nullptr ||
      ::ASN1_TIME_set(::X509_getm_notAfter(cert.get()), not_after) == nullptr) {
    throw_ossl(Exit::internal, "building the publisher certificate");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, root.cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), &ctx, NID_ext_key_usage, "critical," + std::string(kDocumentSigningOid));
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  EVP_PKEY* key = root.key.get();
  if (::X509_sign(cert.get(), key,
                  ::EVP_PKEY_get_bits(key) == 384 ? ::EVP_sha384() : ::EVP_sha256()) <= 0) {
    throw_ossl(Exit::internal, "signing the publisher certificate");
  }
  return cert;
}

std::string publisher_problem(X509* cert) {
  const std::string who = x509::one_line(::X509_get_subject_name(cert));
  const std::uint32_t flags = ::X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) return who + " has invalid extensions";
  if ((flags & EXFLAG_BCONS) == 0 || ::X509_check_ca(cert) != 0) {
    return who + " is not an end-entity certificate (basicConstraints CA:FALSE)";
  }
  if ((flags & EXFLAG_KUSAGE) == 0 || ::X509_get_key_usage(cert) != KU_DIGITAL_SIGNATURE) {
    return who + " does not have keyUsage digitalSignature (only)";
  }
  const std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>> eku(
      static_cast<EXTENDED_KEY_USAGE*>(
          ::X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
  const ASN1_OBJECT* only =
      eku && sk_ASN1_OBJECT_num(eku.get()) == 1 ? sk_ASN1_OBJECT_value(eku.get(), 0) : nullptr;
  char oid[80] = {};
  if (only == nullptr || ::OBJ_obj2txt(oid, sizeof oid, only, 1) <= 0 ||
      std::string_view(oid) != kDocumentSigningOid) {
    return who + " is not a publisher certificate (extendedKeyUsage must be exactly " +
           std::string(kDocumentSigningOid) + ", documentSigning)";
  }
  return "";
}

std::string sign_detached(const x509::Signer& publisher, std::string_view content) {
  if (const std::string p = publisher_problem(publisher.cert.get()); !p.empty()) {
    throw Error(Exit::data, "cannot sign the manifest: " + p);
  }
  const BioPtr in = mem_bio(content);
  const CmsPtr cms(::CMS_sign(publisher.cert.get(), publisher.key.get(), nullptr, in.get(),
                              CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP));
  if (!cms) throw_ossl(Exit::internal, "signing the manifest (CMS)");
  unsigned char* der = nullptr;
  const int n = ::i2d_CMS_ContentInfo(cms.get(), &der);
  if (n <= 0) throw_ossl(Exit::internal, "encoding the manifest signature");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  ::OPENSSL_free(der);
  return out;
}

VerifiedSignature verify_detached(std::string_view p7s_der, std::string_view content,
                                  const std::vector<X509*>& anchors, std::int64_t now) {
  if (p7s_der.empty()) throw Error(Exit::data, "the signature file is empty");
  if (p7s_der.size() > kMaxSignatureBytes) {
    throw Error(Exit::data,
                "the signature is larger than " + std::to_string(kMaxSignatureBytes) + " bytes");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(p7s_der.data());
  const CmsPtr cms(::d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(p7s_der.size())));
  if (!cms) throw_ossl(Exit::data, "the signature is not a DER CMS structure");
  if (p != reinterpret_cast<const unsigned char*>(p7s_der.data()) + p7s_der.size()) {
    throw Error(Exit::data, "bytes follow the CMS structure in the signature");
  }
  if (::OBJ_obj2nid(::CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    throw Error(Exit::data, "the signature is not CMS SignedData");
  }
  ASN1_OCTET_STRING** inner = ::CMS_get0_content(cms.get());
  if (inner != nullptr && *inner != nullptr) {
    throw Error(Exit::data, "the signature is not detached (it carries content of its own)");
  }
  STACK_OF(CMS_SignerInfo)* infos = ::CMS_get0_SignerInfos(cms.get());
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1) {
    throw Error(Exit::data, "the signature must have exactly one signer");
  }
  const X509StorePtr empty(::X509_STORE_new());
  // OpenSSL 3.0's CMS_verify copies a memory BIO into one of its own and leaks that copy
  // on some refusals (found by fuzz_trust_manifest): behind a null filter the content is
  // read through the BIO as from any other source.
  const BioPtr data(::BIO_new(::BIO_f_null()));
  if (!data) throw_ossl(Exit::internal, "allocating a BIO");
  ::BIO_push(data.get(), mem_bio(content).release());
  // The chain is checked below with rules of our own (issued directly by a pinned root).
  if (::CMS_verify(cms.get(), nullptr, empty.get(), data.get(), nullptr,
                   CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    throw_ossl(Exit::data, "the manifest signature does not verify over manifest.json");
  }
  STACK_OF(X509)* signers = ::CMS_get0_signers(cms.get());
  X509* signer =
      signers != nullptr && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : nullptr;
  sk_X509_free(signers);
  if (signer == nullptr) throw Error(Exit::data, "the signature does not carry its signer");
  VerifiedSignature out;
  out.signer = up_ref(signer);
  if (const std::string problem = publisher_problem(signer); !problem.empty()) {
    throw Error(Exit::data, "signed by " + problem);
  }
  const X509StorePtr store(::X509_STORE_new());
  if (!store) throw_ossl(Exit::internal, "X509_STORE_new");
  for (X509* a : anchors) {
    if (::X509_STORE_add_cert(store.get(), a) != 1) throw_ossl(Exit::internal, "anchor");
  }
  const X509StoreCtxPtr ctx(::X509_STORE_CTX_new());
  if (!ctx || ::X509_STORE_CTX_init(ctx.get(), store.get(), signer, nullptr) != 1) {
    throw_ossl(Exit::internal, "X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = ::X509_STORE_CTX_get0_param(ctx.get());
  ::X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  const int ok = ::X509_verify_cert(ctx.get());
  STACK_OF(X509)* chain = ::X509_STORE_CTX_get0_chain(ctx.get());
  if (ok != 1 || chain == nullptr || sk_X509_num(chain) != 2) {
    const int err = ::X509_STORE_CTX_get_error(ctx.get());
    clear_ossl_errors();
    throw Error(Exit::data,
                "the publisher certificate " + x509::one_line(::X509_get_subject_name(signer)) +
                    " is not issued by a pinned root" +
                    (ok == 1 ? std::string(" directly")
                             : ": " + std::string(::X509_verify_cert_error_string(err))));
  }
  out.anchor = up_ref(sk_X509_value(chain, 1));
  return out;
}

}  // namespace pki::trustsign
