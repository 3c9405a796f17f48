#ifndef GUESTCAP_CSYSTEMD_SHIM_H
#define GUESTCAP_CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <sys/uio.h>
#endif
