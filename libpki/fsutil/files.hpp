#pragma once
// File I/O with the project's durability and permission rules (SPEC §2, §4).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace pki::fs {

namespace stdfs = std::filesystem;

// Readers see the old file or the new one, never a torn one: temp file in the same
// directory, fsync, rename, then fsync of the directory. Throws Error(cant_create/io).
void write_file_atomic(const stdfs::path& path, std::string_view data, mode_t mode);

// Throws Error(no_input) naming the file when it does not exist, Error(io) otherwise.
[[nodiscard]] std::string read_file(const stdfs::path& path);
// Reads a secret; refuses (Error(config), exit 78) a file group/world can access.
[[nodiscard]] Secret read_private_file(const stdfs::path& path);

// Refuses a private file that group or others can read or write, naming the fix.
void require_private_mode(const stdfs::path& path);

// Creates the directory (and parents) with mode 0700 when missing; tightens an
// existing one to 0700.
void ensure_private_dir(const stdfs::path& dir);

// Reads all of stdin (for `--token -`).
[[nodiscard]] Secret read_stdin_secret();

}  // namespace pki::fs
