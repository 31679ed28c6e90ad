// SPDX-License-Identifier: Apache-2.0
#include "keys/ca_key.hpp"

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "keys/pkcs11.hpp"

namespace pki::keys {

namespace stdfs = std::filesystem;

stdfs::path uri_record_path(const stdfs::path& key_file) {
  stdfs::path p = key_file;
  p += "-uri";
  return p;
}

std::optional<Pkcs11Uri> recorded_uri(const stdfs::path& key_file) {
  const stdfs::path rec = uri_record_path(key_file);
  std::error_code ec;
  if (!stdfs::exists(rec, ec)) return std::nullopt;
  const Secret text = fs::read_private_file(rec);
  std::string_view line = text.view();
  line = line.substr(0, line.find('\n'));
  try {
    return parse_pkcs11_uri(line);
  } catch (const Error& e) {
    throw Error(Exit::data, rec.string() + ": " + e.what());
  }
}

bool key_present(const stdfs::path& key_file) {
  std::error_code ec;
  return stdfs::exists(key_file, ec) || stdfs::exists(uri_record_path(key_file), ec);
}

PkeyPtr open_key(const stdfs::path& key_file, const std::string& module,
                 const PassphraseSource& source) {
  if (const auto uri = recorded_uri(key_file)) {
    return pkcs11::open_key(module, *uri, source.for_token(uri->token), pkcs11::Create::no,
                            KeyType::ec_p384);
  }
  return load_private_key(key_file, source);
}

PkeyPtr make_token_key(const std::string& module, const Pkcs11Uri& uri, KeyType type,
                       const PassphraseSource& source) {
  return pkcs11::open_key(module, uri, source.for_token(uri.token), pkcs11::Create::if_missing,
                          type);
}

void record_uri(const stdfs::path& key_file, const Pkcs11Uri& uri) {
  fs::write_file_atomic(uri_record_path(key_file), uri.str() + "\n", 0600);
}

}  // namespace pki::keys
