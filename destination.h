/* destination: qmail-send's table of remote destination domains, for the
   per-domain concurrency limit (control/concurrencydomain). An entry
   counts the deliveries in flight to its domain and holds the messages
   waiting for one of them to end; it exists only while something refers
   to it (a delivery, a waiting or woken message, a pass that skipped it),
   so memory follows the deliveries in flight and the messages waiting,
   never the number of domains ever seen. Domains are compared without
   regard to ASCII case. Nothing here exits or prints. */
#ifndef DESTINATION_H
#define DESTINATION_H
#include <stddef.h>
#include "ring.h"

struct destination {
  unsigned long inflight;  /* deliveries to it, batches being assembled too */
  unsigned long pending;   /* messages woken for a slot, pass not yet ended */
  unsigned long refs;      /* passes that skipped it and will wait on it */
  struct ring waiters;     /* ids of messages waiting for a slot, oldest first */
  char *domain;            /* lower case, not NUL-terminated */
  size_t len;
  struct destination *next; /* private: hash chain */
};

/* the entry of domain[0..len), made if absent; NULL on ENOMEM */
struct destination *destination_get(const char *domain, size_t len);
/* frees d if nothing refers to it any more */
void destination_release(struct destination *d);
/* entries now */
size_t destination_count(void);
/* up to n entries into out; returns how many */
size_t destination_all(struct destination **out, size_t n);

#endif
