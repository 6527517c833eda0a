/* sig: signal handling without SA_RESTART, so a blocking call returns EINTR. */
#ifndef SIG_H
#define SIG_H

void sig_catch(int sig, void (*handler)(int));
void sig_ignore(int sig);
void sig_default(int sig);
void sig_unblock(int sig);
void sig_unblock_all(void);

#endif
