// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/verify.hpp"

namespace gwapp {
namespace {

// Streams the log through the verifier in 1 MiB reads: memory stays bounded whatever
// the file's size (a line longer than Verifier::kMaxLine is refused, not buffered).
gw::audit::VerifyResult verify_file(const std::filesystem::path& file) {
  const pki::UniqueFd fd = pki::fs::open_input(file, pki::fs::kLogLimit);
  gw::audit::Verifier v;
  std::string buf(1 << 20, '\0');
  std::string line;  // the part of a line that a read cut off
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) pki::throw_errno(pki::Exit::io, "read " + file.string());
    if (n == 0) break;
    const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    for (std::size_t pos = 0; pos < chunk.size();) {
      const auto nl = chunk.find('\n', pos);
      const std::size_t stop = nl == std::string_view::npos ? chunk.size() : nl;
      line.append(chunk.substr(pos, std::min(stop - pos, gw::audit::Verifier::kMaxLine + 1)));
      if (line.size() > gw::audit::Verifier::kMaxLine) {
        (void)v.add(line);  // refused as too long: the verdict is in
        return v.finish(false);
      }
      if (nl == std::string_view::npos) break;
      if (!v.add(line)) return v.finish(false);
      line.clear();
      pos = nl + 1;
    }
  }
  return v.finish(!line.empty());
}

}  // namespace

void define_audit(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("audit", "Audit log tools");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand("verify", "Check the audit log's hash chain");
  auto file = std::make_shared<std::filesystem::path>();
  verify->add_option("FILE", *file, "Audit log")->required();
  verify->callback([file, &common] {
    const auto r = verify_file(*file);
    if (!r.ok) {
      app::emit(
          common,
          {{"path", file->string()}, {"ok", false}, {"line", r.bad_line}, {"problem", r.problem}},
          "");
      throw pki::Error(pki::Exit::data, file->string() + ": " + r.problem);
    }
    std::string human =
        file->string() + ": OK, " + std::to_string(r.lines) + " records, chain intact";
    for (const auto line : r.repaired) {
      human += "\n  line " + std::to_string(line) +
               ": a torn write, kept as evidence; the gateway repaired it at its next start "
               "(AUDIT_TAIL_REPAIRED on line " +
               std::to_string(line + 1) + ")";
    }
    app::emit(common,
              {{"path", file->string()},
               {"ok", true},
               {"lines", r.lines},
               {"repaired_tears", r.repaired}},
              human);
  });
}

}  // namespace gwapp
