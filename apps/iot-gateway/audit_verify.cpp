#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/verify.hpp"

namespace gwapp {

void define_audit(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("audit", "Audit log tools");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand("verify", "Check the audit log's hash chain");
  auto file = std::make_shared<std::filesystem::path>();
  verify->add_option("FILE", *file, "Audit log")->required();
  verify->callback([file, &common] {
    const auto r = gw::audit::verify(pki::fs::read_file(*file, pki::fs::kLogLimit));
    if (!r.ok) {
      app::emit(
          common,
          {{"path", file->string()}, {"ok", false}, {"line", r.bad_line}, {"problem", r.problem}},
          "");
      throw pki::Error(pki::Exit::data, file->string() + ": " + r.problem);
    }
    app::emit(common, {{"path", file->string()}, {"ok", true}, {"lines", r.lines}},
              file->string() + ": OK, " + std::to_string(r.lines) + " records, chain intact");
  });
}

}  // namespace gwapp
