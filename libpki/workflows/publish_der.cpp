// SPDX-License-Identifier: Apache-2.0
#include "workflows/publish_der.hpp"

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "x509/pem.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

constexpr mode_t kPublicFile = 0644;

void prepare_subdir(const stdfs::path& dir) {
  std::error_code ec;
  if (stdfs::create_directories(dir, ec) && !ec) {
    stdfs::permissions(dir, stdfs::perms(0755), ec);
  }
  if (ec || !stdfs::is_directory(dir, ec)) {
    throw Error(Exit::cant_create,
                "cannot create " + dir.string() +
                    (ec ? ": " + ec.message() : std::string(": not a directory")));
  }
}

}  // namespace

std::string der_crl_name(std::string_view ca) {
  return "crl/" + std::string(ca) + ".crl";
}

std::string der_cert_name(std::string_view ca) {
  return "ca/" + std::string(ca) + ".crt";
}

nlohmann::json write_der_files(const stdfs::path& out_dir, const std::vector<X509Ptr>& certs,
                               const std::vector<crl::IssuedCrl>& crls, const FileEntry& entry) {
  prepare_subdir(out_dir / "crl");
  prepare_subdir(out_dir / "ca");
  nlohmann::json entries = nlohmann::json::array();
  const auto write = [&](const std::string& name, std::string_view data) {
    const stdfs::path path = out_dir / name;
    fs::remove_stale_temps(path.parent_path(), path.filename().string());
    fs::write_file_atomic(path, data, kPublicFile);
    entries.push_back(entry(name, data));
  };
  for (std::size_t i = 0; i < certs.size() && i < crls.size(); ++i) {
    write(der_crl_name(crls[i].ca), crls[i].der);
    const Bytes der = x509::to_der(certs[i].get());
    write(der_cert_name(crls[i].ca),
          std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  }
  return entries;
}

}  // namespace pki::workflows
