/* commit: makes preprocessed messages durable without stopping qmail-send.
   A worker thread fsyncs each message's info/N/ID, local/N/ID and
   remote/N/ID, then the directories holding them and bounce/ (where a
   removal of an earlier message's notice file must not come back after a
   power cut), and reports which
   messages are now safe; only then may qmail-clean remove their todo
   entries. fsync(2) reports write errors on every kernel, unlike syncfs(2)
   before Linux 5.8; the event loop keeps moving while the disk works.

   One batch at a time: submit when commit_idle(), wait for the descriptor
   commit_init returned to become readable, then commit_results(). */
#ifndef COMMIT_H
#define COMMIT_H
#include <stddef.h>

/* queuefd: the queue directory (paths are taken relative to it). Returns
   a descriptor that becomes readable when a batch is done, -1 on error */
int commit_init(int queuefd);
int commit_idle(void);
/* copies ids[0..n); 1 ok, 0 ENOMEM or busy */
int commit_submit(const unsigned long *ids, size_t n);
/* after the descriptor became readable: the finished batch. err[i] is 0
   when ids[i] is durable, ENOENT when its info file is gone (the message
   was finished meanwhile), another errno when an fsync failed. Returns the
   count, 0 when the batch is not finished. The worker is idle again
   afterwards. */
size_t commit_results(const unsigned long **ids, const int **err);

#endif
