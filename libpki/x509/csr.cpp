// SPDX-License-Identifier: Apache-2.0
#include "x509/csr.hpp"

#include <openssl/pem.h>

#include "core/error.hpp"
#include "keys/keys.hpp"
#include "x509/names.hpp"

namespace pki::x509 {
namespace {

constexpr std::size_t kMaxCsrBytes = 64 * 1024;

X509ReqPtr decode(std::string_view bytes, const std::string& w) {
  if (bytes.find("-----BEGIN") != std::string_view::npos) {
    const BioPtr bio(::BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    X509ReqPtr req(::PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req) {
      clear_ossl_errors();
      throw Error(Exit::data,
                  w + ": not a PEM certificate request (expected BEGIN CERTIFICATE REQUEST)");
    }
    return req;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  X509ReqPtr req(::d2i_X509_REQ(nullptr, &p, static_cast<long>(bytes.size())));
  if (!req) {
    clear_ossl_errors();
    throw Error(Exit::data, w + ": not a certificate request (neither PEM nor DER)");
  }
  if (p != reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()) {
    throw Error(Exit::data, w + ": trailing bytes after the DER certificate request");
  }
  return req;
}

}  // namespace

Csr parse_csr(std::string_view bytes, std::string_view what) {
  const std::string w(what);
  if (bytes.empty()) throw Error(Exit::data, w + ": empty file, expected a certificate request");
  if (bytes.size() > kMaxCsrBytes)
    throw Error(Exit::data, w + ": too large for a certificate request");
  Csr csr{decode(bytes, w), {}};
  EVP_PKEY* key = ::X509_REQ_get0_pubkey(csr.req.get());
  if (key == nullptr) throw_ossl(Exit::data, w + ": the request's public key cannot be decoded");
  keys::require_acceptable_public_key(key, w);
  // Proof of possession: the requester holds the private key (RFC 2986 §3).
  if (::X509_REQ_verify(csr.req.get(), key) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, w + ": the request's signature does not verify (broken or forged CSR)");
  }
  csr.common_name = common_name(::X509_REQ_get_subject_name(csr.req.get()));
  return csr;
}

}  // namespace pki::x509
