/* libbpf's messages, kept quiet unless something fails; a verifier
 * rejection is reported at the probe it came from with the log's last lines. */
#ifndef SONDE_VERIFIER_LOG_H
#define SONDE_VERIFIER_LOG_H

struct bpf_object;
struct sema_program;

void verifier_log_start(struct bpf_object *obj);
void verifier_log_stop(struct bpf_object *obj);
void verifier_log_report(struct bpf_object *obj, const struct sema_program *sp, int err);
/* -v: libbpf's messages go to stderr as they come. */
void verifier_log_verbose(int on);

#endif
