/* sendlog: qmail-send's activity log, a buffered writer on descriptor 0
   (multilog reads it). Lines must survive qmailanalog-style parsers, so
   external data goes through sendlog_safe. Write errors are ignored: the
   log must never stop deliveries. */
#ifndef SENDLOG_H
#define SENDLOG_H
#include <stddef.h>

void log_s(const char *s);
void log_ul(unsigned long u);
/* external bytes: LF becomes '/', other control bytes, non-ASCII, space
   and '%' become '_' */
void log_safe(const char *s, size_t n);
/* "warning: WHAT FILE: REASON" with errno's text */
void log_warn_sys(const char *what, const char *file);
void log_flush(void);

#endif
