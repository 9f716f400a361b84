/* client.h - a plain sandrun call handing itself over to `sandrun serve`. */
#ifndef SR_CLIENT_H
#define SR_CLIENT_H

#include "diag.h"

enum sr_client_result {
	SR_CLIENT_COLD = 0,	/* not handed over: run cold, nothing was printed */
	SR_CLIENT_SERVED,	/* the server ran it: exit with *status */
	SR_CLIENT_LOST,		/* the server took it and ended early: d says why */
};

/* Try the server socket (serve_sock.h) with the whole command line
 * (argv[0] excluded) and our environment, stdin, stdout, stderr and
 * working directory.  With no server the cost is one socket() and one
 * failing connect().  Returns enum sr_client_result. */
int sr_client_handover(int argc, char **argv, int *status,
    struct sr_diag *d);

#endif
