// SPDX-License-Identifier: Apache-2.0
#include "x509/names.hpp"

#include <cctype>

#include "core/error.hpp"

namespace pki::x509 {
namespace {

bool id_char(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u) != 0 && u < 0x80) return true;
  return !first && (c == '.' || c == '_' || c == '-');
}

std::string utf8_of(const X509_NAME_ENTRY* e, bool* ok) {
  const ASN1_STRING* data = ::X509_NAME_ENTRY_get_data(e);
  unsigned char* utf8 = nullptr;
  const int n = ::ASN1_STRING_to_UTF8(&utf8, data);
  *ok = n >= 0;
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  ::OPENSSL_free(utf8);
  return out;
}

std::string entry(const X509_NAME* name, int nid) {
  const int idx = ::X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  bool ok = false;
  return utf8_of(::X509_NAME_get_entry(name, idx), &ok);
}

}  // namespace

bool is_valid_device_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!id_char(id[i], i == 0)) return false;
  }
  return true;
}

void require_device_id(std::string_view id) {
  if (is_valid_device_id(id)) return;
  std::string shown;
  for (const char c : id.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      shown += buf;
    } else {
      shown += c;
    }
  }
  std::string why =
      id.empty()       ? "it is empty"
      : id.size() > 64 ? "it is " + std::to_string(id.size()) + " characters long (at most 64)"
                       : "it contains a character outside [A-Za-z0-9._-] or starts with one of ._-";
  throw Error(Exit::data, "invalid device id \"" + shown + "\": " + why);
}

std::string common_name(const X509_NAME* name) {
  return entry(name, NID_commonName);
}
std::string org_unit(const X509_NAME* name) {
  return entry(name, NID_organizationalUnitName);
}

std::vector<std::string> entries(const X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = ::X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = ::X509_NAME_get_index_by_NID(name, nid, i)) {
    bool ok = false;
    std::string v = utf8_of(::X509_NAME_get_entry(name, i), &ok);
    if (ok) out.push_back(std::move(v));
  }
  return out;
}

std::string one_line(const X509_NAME* name) {
  const BioPtr bio(::BIO_new(::BIO_s_mem()));
  ::X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace pki::x509
