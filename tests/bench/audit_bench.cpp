// SPDX-License-Identifier: Apache-2.0
// Audit writer throughput: records/s through AuditLog::log() + flush() into a file,
// without checkpoints, with signed checkpoints (every 1000 records / 60 s), and with
// checkpoints plus syslog forwarding to a loopback TCP sink that discards.
//   build/tests/bench/audit_bench [records] [dir]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/checkpoint.hpp"

namespace {

double run(const std::filesystem::path& file, gw::audit::Options o, int n) {
  std::filesystem::remove(file);
  const auto t0 = std::chrono::steady_clock::now();
  {
    gw::audit::AuditLog log(file, std::move(o));
    for (int i = 0; i < n; ++i) {
      gw::audit::Record r;
      r.event = gw::audit::Event::jwt_ok;
      r.remote_ip = "192.0.2.7";
      r.device_id = "device-" + std::to_string(i % 1000);
      r.jti = "AAAAAAAAAAAAAAAAAAAAAA";
      while (!log.log(r)) std::this_thread::yield();  // the queue is full: wait for it
    }
    log.flush();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return n / s;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 500000;
  const std::filesystem::path dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path();
  const auto key_file = dir / "audit-bench-ckpt.key";
  std::filesystem::remove(key_file);
  std::filesystem::remove(dir / "audit-bench-ckpt.key.pub");
  (void)gw::audit::create_checkpoint_key(key_file);

  // A sink that reads and discards, on an ephemeral loopback port.
  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(ls, 4) != 0 ||
      ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("sink");
    return 1;
  }
  std::thread([ls] {
    for (;;) {
      const int c = ::accept(ls, nullptr, nullptr);
      if (c < 0) return;
      std::thread([c] {
        char buf[65536];
        while (::read(c, buf, sizeof buf) > 0) {
        }
        ::close(c);
      }).detach();
    }
  }).detach();

  gw::audit::Options plain;
  plain.queue_size = 65536;
  gw::audit::Options ck = plain;
  ck.checkpoint_key = gw::audit::CheckpointKey::load(key_file);
  gw::audit::Options fwd = ck;
  fwd.syslog = gw::audit::SyslogTarget{false, "127.0.0.1", std::to_string(ntohs(a.sin_port)), {}};
  fwd.syslog_queue = 1 << 20;
  const auto file = dir / "audit-bench.log";
  for (int round = 0; round < 2; ++round) {
    std::printf("records/s  plain %.0f  checkpoints %.0f  checkpoints+syslog %.0f\n",
                run(file, plain, n), run(file, ck, n), run(file, fwd, n));
  }
  std::filesystem::remove(file);
  return 0;
}
