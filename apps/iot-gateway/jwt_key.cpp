// SPDX-License-Identifier: Apache-2.0
#include <memory>

#include "commands.hpp"
#include "gateway/jwt/key_set.hpp"

namespace gwapp {

void define_jwt_key(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("jwt-key", "Manage the JWT signing keys");
  cmd->require_subcommand(1);
  auto* add = cmd->add_subcommand("new", "Add a new ES256 signing key (the newest key signs)");
  auto dir = std::make_shared<std::filesystem::path>();
  add->add_option("--dir", *dir, "Keys directory (jwt.keys_dir)")->required();
  add->callback([dir, &common] {
    const std::string kid = gw::jwt::create_key(*dir);
    const std::string path = (*dir / (kid + ".key")).string();
    app::emit(common, {{"kid", kid}, {"path", path}},
              "new signing key " + kid + " in " + path +
                  "\nsend SIGHUP to the gateway (or wait for trust.reload_interval) to use it");
  });
}

}  // namespace gwapp
