// The Linux door for FlotillaNet: kernel interfaces that Swift's Glibc module does not
// map (epoll, eventfd, signalfd). Only FlotillaNet's Syscalls.swift imports this module.
// On other platforms it is empty, so the package still resolves there.
#ifndef FLOTILLA_CLINUX_SHIM_H
#define FLOTILLA_CLINUX_SHIM_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

// accept4 is declared only under _GNU_SOURCE, which the Glibc module is not built with.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int flotilla_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags) {
    return accept4(fd, addr, addrlen, flags);
}
#endif
#endif
