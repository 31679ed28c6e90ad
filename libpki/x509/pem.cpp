// SPDX-License-Identifier: Apache-2.0
#include "x509/pem.hpp"

#include <openssl/pem.h>

#include <cctype>

#include "core/error.hpp"

namespace pki::x509 {
namespace {

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

std::string to_pem(X509* cert) {
  const BioPtr bio(::BIO_new(::BIO_s_mem()));
  if (::PEM_write_bio_X509(bio.get(), cert) != 1) throw_ossl(Exit::internal, "PEM encoding");
  return bio_string(bio.get());
}

std::string to_pem(X509_CRL* crl) {
  const BioPtr bio(::BIO_new(::BIO_s_mem()));
  if (::PEM_write_bio_X509_CRL(bio.get(), crl) != 1) throw_ossl(Exit::internal, "PEM encoding");
  return bio_string(bio.get());
}

Bytes to_der(X509* cert) {
  unsigned char* der = nullptr;
  const int n = ::i2d_X509(cert, &der);
  if (n <= 0) throw_ossl(Exit::internal, "DER encoding");
  Bytes out(der, der + n);
  ::OPENSSL_free(der);
  return out;
}

X509Ptr cert_from_pem(std::string_view pem, std::string_view what) {
  auto all = certs_from_pem(pem, what);
  return std::move(all.front());
}

std::vector<X509Ptr> certs_from_pem(std::string_view pem, std::string_view what) {
  const BioPtr bio(::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> out;
  while (X509* c = ::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  clear_ossl_errors();  // the loop ends on an expected "no start line"
  if (out.empty()) throw Error(Exit::data, std::string(what) + ": no PEM certificate found");
  return out;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  const BnPtr bn(::ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) throw_ossl(Exit::internal, "serial conversion");
  // BN_bn2hex already writes whole bytes ("0A", "-0A"); only zero comes out as "0".
  if (::BN_is_zero(bn.get()) == 1) return "00";
  char* hex = ::BN_bn2hex(bn.get());
  if (hex == nullptr) throw_ossl(Exit::internal, "serial conversion");
  std::string out(hex);
  ::OPENSSL_free(hex);
  return out;
}

std::string serial_hex(const X509* cert) {
  return serial_hex(::X509_get0_serialNumber(cert));
}

std::string normalize_serial(std::string_view text) {
  const auto invalid = [&](const std::string& why) {
    return Error(Exit::data, "invalid serial '" + std::string(text.substr(0, 80)) + "': " + why +
                                 "; use hexadecimal, as 'openssl x509 -serial' prints it");
  };
  if (text.size() > kMaxSerialText) throw invalid("too long");
  std::string_view t = text;
  const bool negative = !t.empty() && t.front() == '-';
  if (negative) t.remove_prefix(1);
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
  if (t.empty()) throw invalid("no digits");
  // Colons only between byte pairs, as `openssl x509 -text` prints them ("0a:1b").
  if (t.front() == ':' || t.back() == ':' || t.find("::") != std::string_view::npos) {
    throw invalid("misplaced ':'");
  }
  std::string hex;
  for (const char c : t) {
    if (c == ':') continue;
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) throw invalid("not hexadecimal");
    hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto first = hex.find_first_not_of('0');
  if (first == std::string::npos) return "00";  // zero has no sign
  hex.erase(0, first);
  if (hex.size() % 2 != 0) hex.insert(0, "0");
  if (hex.size() > 2 * kMaxSerialOctets) throw invalid("more than 20 octets (RFC 5280 4.1.2.2)");
  return negative ? "-" + hex : hex;
}

Asn1IntegerPtr random_serial() {
  Bytes raw = random_bytes(20);
  raw[0] &= 0x7f;  // positive as a DER INTEGER; 159 random bits remain
  raw[0] |= 0x40;  // and no leading zero byte, so the length is always 20
  const BnPtr bn(::BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
  Asn1IntegerPtr serial(::BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) throw_ossl(Exit::internal, "serial number");
  return serial;
}

std::int64_t to_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (::ASN1_TIME_to_tm(t, &tm) != 1) throw_ossl(Exit::data, "bad time");
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (::X509_digest(cert, ::EVP_sha256(), md, &n) != 1) throw_ossl(Exit::internal, "digest");
  return hex_upper({md, n});
}

}  // namespace pki::x509
