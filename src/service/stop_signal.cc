#include "service/stop_signal.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace micro::service_internal {

StopSignal::StopSignal(bool handle_signals) {
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!handle_signals) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

StopSignal::~StopSignal() {
  if (signal_fd_ >= 0) close(signal_fd_);
  if (event_fd_ >= 0) close(event_fd_);
}

int StopSignal::Wait() {
  pollfd fds[2] = {{event_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
  nfds_t n = signal_fd_ >= 0 ? 2 : 1;
  for (;;) {
    int r = poll(fds, n, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (n == 2 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo info{};
      if (read(signal_fd_, &info, sizeof info) == sizeof info) {
        return static_cast<int>(info.ssi_signo);
      }
    }
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      (void)!read(event_fd_, &v, sizeof v);
      return 0;
    }
  }
}

void StopSignal::Notify() {
  uint64_t one = 1;
  (void)!write(event_fd_, &one, sizeof one);
}

}  // namespace micro::service_internal
