#include "fsutil/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.hpp"
#include "core/handles.hpp"

namespace pki::fs {
namespace {

void write_all(int fd, std::string_view data, const std::string& what) {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(Exit::io, "write " + what);
    off += static_cast<std::size_t>(n);
  }
}

std::string size_text(std::size_t n) {
  if (n >= (1U << 20) && n % (1U << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1U << 10) && n % (1U << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

[[noreturn]] void throw_too_large(const std::string& what, Limit limit) {
  throw Error(Exit::data, what + " is larger than a " + limit.kind + " may be (at most " +
                              size_text(limit.bytes) + ")");
}

// Reads to EOF, but never more than limit.bytes: the buffer stays bounded whatever the
// file turns out to be.
void read_all(int fd, std::string& out, const std::string& what, Limit limit) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::sodium_memzero(buf, sizeof buf);
      throw_errno(Exit::io, "read " + what);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit.bytes) {
      ::sodium_memzero(buf, sizeof buf);
      throw_too_large(what, limit);
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::sodium_memzero(buf, sizeof buf);
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. A regular
// file ignores the flag.
UniqueFd open_regular(const stdfs::path& path, Limit limit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    if (errno == ENOENT) throw Error(Exit::no_input, path.string() + ": no such file");
    if (errno == EACCES) throw_errno(Exit::denied, "open " + path.string());
    throw_errno(Exit::io, "open " + path.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno(Exit::io, "fstat " + path.string());
  if (!S_ISREG(st.st_mode)) {
    throw Error(Exit::no_input, path.string() + " is not a regular file (a " + limit.kind +
                                    " must be one; FIFOs, devices and directories are refused)");
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit.bytes) {
    throw_too_large(path.string() + " (" + std::to_string(st.st_size) + " bytes)", limit);
  }
  return fd;
}

}  // namespace

void write_file_atomic(const stdfs::path& path, std::string_view data, mode_t mode) {
  const stdfs::path dir = path.has_parent_path() ? path.parent_path() : stdfs::path(".");
  std::string tmp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  const UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) throw_errno(Exit::cant_create, "cannot create a file in " + dir.string());
  try {
    if (::fchmod(fd.get(), mode) != 0) throw_errno(Exit::io, "fchmod " + tmp);
    write_all(fd.get(), data, tmp);
    if (::fsync(fd.get()) != 0) throw_errno(Exit::io, "fsync " + tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw_errno(Exit::cant_create, "rename to " + path.string());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // The rename is durable only once the directory entry is on disk.
  const UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid() || ::fsync(dfd.get()) != 0) throw_errno(Exit::io, "fsync " + dir.string());
}

std::string read_file(const stdfs::path& path, Limit limit) {
  const UniqueFd fd = open_regular(path, limit);
  std::string out;
  read_all(fd.get(), out, path.string(), limit);
  return out;
}

void require_private_mode(const stdfs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error(Exit::no_input, path.string() + ": no such file");
    throw_errno(Exit::io, "stat " + path.string());
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error(Exit::config, path.string() + " is accessible by group or others (mode " + mode +
                                  "); run: chmod 600 " + path.string());
  }
}

Secret read_private_file(const stdfs::path& path) {
  require_private_mode(path);
  const UniqueFd fd = open_regular(path, kKeyLimit);
  Secret out;
  // One allocation of the whole cap, so no unwiped copy is left behind by a regrowth.
  out.buffer().reserve(kKeyLimit.bytes);
  read_all(fd.get(), out.buffer(), path.string(), kKeyLimit);
  return out;
}

void ensure_private_dir(const stdfs::path& dir) {
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec)
    throw Error(Exit::cant_create, "cannot create directory " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) throw_errno(Exit::cant_create, "chmod 700 " + dir.string());
}

Secret read_stdin_secret() {
  Secret out;
  out.buffer().reserve(kKeyLimit.bytes);
  read_all(STDIN_FILENO, out.buffer(), "standard input", kKeyLimit);
  return out;
}

std::string read_stdin(Limit limit) {
  std::string out;
  read_all(STDIN_FILENO, out, "standard input", limit);
  return out;
}

}  // namespace pki::fs
