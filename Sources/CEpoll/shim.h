// What Glibc's Swift module leaves out: epoll, eventfd and sendfile (Linux only).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
